/**
 * Ink's writes to the terminal, with full-screen frames sent as differences. Ink 6.8 writes a frame
 * as tall as the terminal as clear-screen + every row, each time (its incrementalRendering does not
 * apply there); this writer keeps the last frame on the screen and sends only the rows that
 * changed (frame-diff.ts). Everything else Ink writes goes through unchanged, and anything that is
 * not a frame (an erase, a cursor move of Ink's own) means the screen is no longer known: the next
 * frame is painted whole. So are the first frame and the first after a resize.
 *
 * Ink already wraps each frame in synchronized output (BSU … ESU, terminals that support it show
 * the frame at once); a pair with nothing between them (an unchanged frame) is not sent at all.
 */
import { diffFrame, frameRows, type Screen } from './frame-diff.js';

/** ansi-escapes' clearTerminal, which Ink 6.8 writes before a full-screen frame. */
export const CLEAR_TERMINAL = '\x1b[2J\x1b[3J\x1b[H';
export const BSU = '\x1b[?2026h';
export const ESU = '\x1b[?2026l';
// cursor hide/show change nothing on the screen
const NEUTRAL = new Set(['\x1b[?25l', '\x1b[?25h']);

export interface FrameStats {
  /** bytes handed to the terminal */
  bytes: number;
  /** full-screen frames Ink rendered, and how many of them had to be painted whole */
  frames: number;
  fullFrames: number;
}

export interface FrameWriter {
  write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean;
  stats: FrameStats;
}

/**
 * `write` sends bytes to the terminal; `size` is the terminal's size now. `onFrame` hears of every
 * frame with the bytes it took (diagnostics). `whole`: every frame painted whole, as Ink does
 * (PETLAB_TUI_WHOLE_FRAMES=1, for comparison, or a terminal that draws the differences wrong).
 */
export function frameWriter(
  write: (s: string) => void,
  size: () => { columns: number; rows: number },
  onFrame?: (bytes: number, full: boolean) => void,
  o: { whole?: boolean } = {},
): FrameWriter {
  let screen: Screen | undefined;
  let pendingBsu = false;
  const stats: FrameStats = { bytes: 0, frames: 0, fullFrames: 0 };
  const send = (s: string) => {
    if (s === '') return;
    if (pendingBsu) {
      pendingBsu = false;
      s = BSU + s;
    }
    stats.bytes += Buffer.byteLength(s);
    write(s);
  };

  const take = (s: string) => {
    if (s === BSU) {
      pendingBsu = true;
      return;
    }
    if (s === ESU) {
      // BSU then ESU with nothing between: an unchanged frame, nothing to send
      if (pendingBsu) pendingBsu = false;
      else send(ESU);
      return;
    }
    if (NEUTRAL.has(s)) return send(s);
    if (!s.startsWith(CLEAR_TERMINAL)) {
      screen = undefined;
      return send(s);
    }
    const { columns, rows: height } = size();
    const next: Screen = { rows: frameRows(s.slice(CLEAR_TERMINAL.length)), columns, height };
    const diff = o.whole ? undefined : diffFrame(screen, next);
    const bytes = diff ?? s;
    const before = stats.bytes;
    send(bytes);
    stats.frames++;
    if (diff === undefined) stats.fullFrames++;
    screen = next.rows.length <= height ? next : undefined;
    onFrame?.(stats.bytes - before, diff === undefined);
  };

  return {
    stats,
    write(chunk, encoding, cb) {
      const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
      take(s);
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') queueMicrotask(done as () => void);
      return true;
    },
  };
}
