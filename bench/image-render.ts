/**
 * Drawing a picture into a pane: terminal-image (the package) against petlab's own half-block
 * renderer on sharp (src/tui/image/halfblock.ts), for the same box of cells.
 *
 *   FORCE_COLOR=3 npx tsx bench/image-render.ts [--box 40x18] [--reps 30]
 *
 * (FORCE_COLOR: terminal-image draws in colour only where its colour library sees a terminal.)
 *
 * Reports ms per picture, the output's size, and whether every line is exactly the box's width
 * (what Ink's layout needs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import terminalImage from 'terminal-image';
import { decodeForDisplay } from '../src/core/images/decode.js';
import { halfBlockLines, pixelBox } from '../src/tui/image/halfblock.js';
import { CATS_DOGS } from '../test/helpers/shared.js';

const { values } = parseArgs({ options: { box: { type: 'string', default: '40x18' }, reps: { type: 'string', default: '30' } } });
const [cols, rows] = values.box!.split('x').map(Number);
const reps = Number(values.reps);
const files = readdirSync(path.join(CATS_DOGS, 'cats'))
  .sort()
  .slice(0, reps)
  .map((f) => path.join(CATS_DOGS, 'cats', f));
// eslint-disable-next-line no-control-regex
const visible = (l: string) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length;

async function time(name: string, draw: (f: string) => Promise<string[]>): Promise<void> {
  await draw(files[0]); // warm up
  const t0 = performance.now();
  let bytes = 0;
  let exact = true;
  for (const f of files) {
    const lines = await draw(f);
    bytes += lines.join('\n').length;
    exact &&= lines.every((l) => visible(l) === cols) && lines.length <= rows;
  }
  const ms = (performance.now() - t0) / files.length;
  console.log(
    `${name.padEnd(16)} ${ms.toFixed(1).padStart(6)} ms/picture  ${Math.round(bytes / files.length / 1024)} KB/picture  lines exactly ${cols} wide and at most ${rows}: ${exact ? 'yes' : 'no'}`,
  );
}

await time('terminal-image', async (f) =>
  (await terminalImage.buffer(readFileSync(f), { width: cols, height: rows, preserveAspectRatio: true })).split('\n').filter((l) => l.length),
);
await time('petlab halfblock', async (f) => {
  const box = pixelBox(cols, rows);
  return halfBlockLines(await decodeForDisplay(f, box.width, box.height), cols);
});
