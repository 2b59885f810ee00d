/**
 * A real terminal for tests and benchmarks: a private tmux server (its own socket, no user config),
 * keys sent with send-keys, the screen read with capture-pane.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

export class Tmux {
  readonly socket: string;
  constructor(name = `petlab-${process.pid}-${Math.random().toString(36).slice(2, 8)}`) {
    this.socket = name;
  }

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** A detached session of w×h running `command` (a shell by default). */
  start(w: number, h: number, env: Record<string, string>, command = 'bash --norc --noprofile'): void {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.run('new-session', '-d', '-s', 'main', '-x', String(w), '-y', String(h), ...envArgs, command);
    // keep the window at the size asked for, whatever clients there are
    this.run('set-option', '-g', 'window-size', 'manual');
  }

  /** Keys as tmux names them: "M-t", "C-f", "Enter", or literal text with literal=true. */
  keys(keys: string[], literal = false): void {
    this.run('send-keys', '-t', 'main', ...(literal ? ['-l'] : []), '--', ...keys);
  }

  /** The screen as text (with colours: escape codes for each cell's style). */
  capture(colors = false): string {
    return this.run('capture-pane', '-p', '-t', 'main', ...(colors ? ['-e'] : []));
  }

  resize(w: number, h: number): void {
    this.run('resize-window', '-t', 'main', '-x', String(w), '-y', String(h));
  }

  /** Is the program in the pane using the alternate screen? */
  alternateOn(): boolean {
    return this.run('display-message', '-p', '-t', 'main', '#{alternate_on}').trim() === '1';
  }

  /** Poll the screen every `every` ms until `ok` holds; returns the screen and the ms waited. */
  async waitFor(ok: (screen: string) => boolean, timeoutMs: number, every = 20, colors = false): Promise<{ screen: string; ms: number }> {
    const t0 = performance.now();
    let screen = '';
    for (;;) {
      screen = this.capture(colors);
      if (ok(screen)) return { screen, ms: performance.now() - t0 };
      if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, every));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

const TL = '┌┏';
const TR = '┐┓';
const BL = '└┗';
const BR = '┘┛';
const H = '─━';
const V = '│┃';

/**
 * Check that every pane box on a screen is whole: each top-left corner has its top-right corner on
 * the same row, sides of │ down to the bottom corners, a bottom edge of ─ between them (the top
 * edge may hold a title). Returns the boxes found and the problems.
 */
export function checkBoxes(screen: string): { boxes: number; problems: string[] } {
  const rows = screen.split('\n').map((l) => [...l]);
  const at = (y: number, x: number) => rows[y]?.[x] ?? ' ';
  const problems: string[] = [];
  let boxes = 0;
  for (let y = 0; y < rows.length; y++) {
    for (let x = 0; x < rows[y].length; x++) {
      if (!TL.includes(at(y, x))) continue;
      boxes++;
      const heavy = at(y, x) === '┏';
      let x2 = x + 1;
      while (x2 < rows[y].length && !TR.includes(at(y, x2)) && !TL.includes(at(y, x2))) x2++;
      if (!TR.includes(at(y, x2))) {
        problems.push(`row ${y + 1}: box at column ${x + 1} has no top-right corner`);
        continue;
      }
      let y2 = y + 1;
      while (y2 < rows.length && V.includes(at(y2, x))) y2++;
      if (!BL.includes(at(y2, x))) {
        problems.push(`box at ${y + 1}:${x + 1}: left side broken at row ${y2 + 1} ("${at(y2, x)}")`);
        continue;
      }
      for (let yy = y + 1; yy < y2; yy++)
        if (!V.includes(at(yy, x2))) problems.push(`box at ${y + 1}:${x + 1}: right side broken at row ${yy + 1} ("${at(yy, x2)}")`);
      if (!BR.includes(at(y2, x2))) problems.push(`box at ${y + 1}:${x + 1}: no bottom-right corner at ${y2 + 1}:${x2 + 1} ("${at(y2, x2)}")`);
      for (let xx = x + 1; xx < x2; xx++) if (!H.includes(at(y2, xx))) problems.push(`box at ${y + 1}:${x + 1}: bottom edge broken at column ${xx + 1}`);
      if (heavy !== (at(y2, x) === '┗')) problems.push(`box at ${y + 1}:${x + 1}: mixed border styles`);
    }
  }
  return { boxes, problems };
}
