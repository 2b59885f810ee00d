/**
 * Issue 11.9: a full-screen frame is sent as the rows that changed (src/tui/render/frame-diff.ts,
 * frame-writer.ts). The bytes are checked on a real terminal: tmux shows the old frame painted whole
 * then the difference, and must show the same cells (characters and styles) as the new frame
 * painted whole, with wide characters, styles, rows as wide as the terminal and rows that shrink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import stringWidth from 'string-width';
import { diffFrame, frameRows, type Screen } from '../src/tui/render/frame-diff.js';
import { BSU, CLEAR_TERMINAL, ESU, frameWriter } from '../src/tui/render/frame-writer.js';
import { tempDir } from './helpers/shared.js';
import { hasTmux, Tmux } from './helpers/tmux.js';

const W = 40;
const H = 10;
const screen = (rows: string[], columns = W, height = H): Screen => ({ rows, columns, height });
const inverse = (s: string) => `\x1b[7m${s}\x1b[27m`;
const blue = (s: string) => `\x1b[44m${s}\x1b[49m`;
/** A pane box as wide as the terminal: a border in the last column, like the workbench's panes. */
const boxed = (s: string) => `│${s}${' '.repeat(Math.max(0, W - 2 - stringWidth(s)))}│`;

function frameA(): string[] {
  return [
    `┌${'─'.repeat(W - 2)}┐`,
    boxed(inverse('▸ cats        32')),
    boxed('  dogs        32'),
    boxed('猫の写真 cat.1.jpg'.slice(0, 14)),
    boxed(blue('epoch 1/12 ███░░░')),
    'a long line that will get shorter later',
    '',
    'plain',
    boxed('é accents ü'),
    `status ${inverse('? keys')}`,
  ];
}

function frameB(): string[] {
  const b = frameA();
  b[1] = boxed('  cats        32');
  b[2] = boxed(inverse('▸ dogs        32'));
  b[3] = boxed('犬の写真 dog.1.jpg'.slice(0, 14));
  b[4] = boxed(`\x1b[42m${'epoch 2/12 ██████░'}\x1b[49m`);
  b[5] = 'short';
  b[9] = `status ${blue('? keys')}`; // only the colour changes
  return b;
}

test('an unchanged frame sends nothing; one changed row sends that row only', () => {
  assert.equal(diffFrame(screen(frameA()), screen(frameA())), '');
  const next = frameA();
  next[7] = 'plain!';
  const d = diffFrame(screen(frameA()), screen(next))!;
  assert.match(d, /^\x1b\[8;1Hplain!\x1b\[m\x1b\[K/, 'moved to row 8, the row whole, its style closed, the rest of the row erased');
  assert.ok(!d.includes('cats'), 'no other row');
  assert.ok(d.length < 40, `${d.length} bytes`);
});

test('a change of style alone is a change; every row written ends with its style reset', () => {
  const d = diffFrame(screen(frameA()), screen(frameB()))!;
  assert.match(d, /\x1b\[10;1Hstatus \x1b\[44m\? keys\x1b\[49m\x1b\[m\x1b\[K/);
  for (const row of [2, 3, 4, 5, 6, 10]) assert.ok(d.includes(`\x1b[${row};1H`), `row ${row} rewritten`);
  for (const row of [1, 7, 8, 9]) assert.ok(!d.includes(`\x1b[${row};1H`), `row ${row} left alone`);
  assert.ok(d.includes(`\x1b[2;1H${frameB()[1]}\x1b[m\x1b[3;1H`), 'a row as wide as the terminal: no erase after its last column (it would blank the border)');
});

test('no previous frame, a new size or a frame taller than the terminal: painted whole', () => {
  assert.equal(diffFrame(undefined, screen(frameA())), undefined);
  assert.equal(diffFrame(screen(frameA()), screen(frameB(), W - 1)), undefined);
  assert.equal(diffFrame(screen(frameA()), screen(frameB(), W, H + 1)), undefined);
  assert.equal(diffFrame(screen(frameA()), screen([...frameB(), 'one too many'])), undefined);
});

test('a shorter frame erases the rows below it', () => {
  const d = diffFrame(screen(frameA()), screen(frameA().slice(0, 4)))!;
  assert.match(d, /\x1b\[5;1H\x1b\[m\x1b\[J/);
});

test('the writer: first frame whole, then differences; an empty BSU/ESU pair is dropped; after another write, whole again', () => {
  const sent: string[] = [];
  let size = { columns: W, rows: H };
  const frames: Array<[number, boolean]> = [];
  const w = frameWriter(
    (s) => sent.push(s),
    () => size,
    (bytes, full) => frames.push([bytes, full]),
  );
  const frame = (rows: string[]) => {
    w.write(BSU);
    w.write(CLEAR_TERMINAL + rows.join('\n'));
    w.write(ESU);
  };
  frame(frameA());
  assert.equal(sent.join(''), BSU + CLEAR_TERMINAL + frameA().join('\n') + ESU);
  sent.length = 0;
  frame(frameA());
  assert.deepEqual(sent, [], 'an unchanged frame: not a byte');
  frame(frameB());
  assert.equal(sent.join(''), BSU + diffFrame(screen(frameA()), screen(frameB())) + ESU);
  sent.length = 0;
  w.write('\x1b[2K\x1b[1A'); // Ink erasing its output: the screen is no longer known
  frame(frameB());
  assert.ok(sent.join('').includes(CLEAR_TERMINAL), 'painted whole after a write that is not a frame');
  sent.length = 0;
  size = { columns: W + 10, rows: H };
  frame(frameB());
  assert.ok(sent.join('').includes(CLEAR_TERMINAL), 'painted whole after a resize');
  assert.deepEqual(
    frames.map(([, full]) => full),
    [true, false, false, true, true],
  );
  assert.equal(frames[1][0], 0);
  assert.equal(w.stats.frames, 5);
  assert.equal(w.stats.fullFrames, 3);
});

/** What tmux shows (characters and styles) after `bytes` are written to a fresh W×H terminal. */
async function shown(bytes: string, name: string): Promise<string> {
  const dir = tempDir('petlab-frame-');
  const file = path.join(dir, 'bytes');
  writeFileSync(file, bytes + '\x1b[?25l');
  const tmux = new Tmux(`petlab-frame-${process.pid}-${name}`);
  try {
    tmux.start(W, H, {}, `sh -c 'stty -echo; cat ${file}; touch ${file}.done; exec sleep 60'`);
    let last = '';
    // the screen once cat is done and tmux has drawn it all (two equal captures in a row)
    const { screen: s } = await tmux.waitFor(
      (cur) => {
        const same = cur === last;
        last = cur;
        return same && cur.trim() !== '';
      },
      10_000,
      50,
      true,
    );
    return s;
  } finally {
    tmux.kill();
  }
}

test(
  'on a real terminal: old frame + difference shows exactly the new frame painted whole',
  { skip: hasTmux() ? false : 'tmux is not installed (apt-get install tmux)', timeout: 30_000 },
  async () => {
    const a = CLEAR_TERMINAL + frameA().join('\n');
    const b = CLEAR_TERMINAL + frameB().join('\n');
    const d = diffFrame(screen(frameA()), screen(frameB()))!;
    const viaDiff = await shown(a + d, 'diff');
    const whole = await shown(b, 'whole');
    assert.equal(viaDiff, whole);
    assert.match(whole, /犬の写真/);
    // and back again: rows that grow, styles that go away
    const back = diffFrame(screen(frameB()), screen(frameA()))!;
    assert.equal(await shown(b + back, 'back'), await shown(a, 'a'));
  },
);

test('frameRows splits a frame into rows', () => {
  assert.deepEqual(frameRows('a\nb\n'), ['a', 'b', '']);
});
