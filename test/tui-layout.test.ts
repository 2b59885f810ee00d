import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closePane,
  computeRects,
  defaultLayout,
  fits,
  focusCycle,
  focusDirection,
  focusNumber,
  leaves,
  splitFocused,
  toggleZoom,
  type Layout,
  type PaneRect,
} from '../src/tui/layout/tree.js';

/** Every cell of the screen belongs to exactly one pane. */
function assertTiles(rects: PaneRect[], w: number, h: number): void {
  const grid = Array.from({ length: h }, () => new Array<number>(w).fill(0));
  for (const r of rects) for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) grid[y][x]++;
  assert.ok(
    grid.every((row) => row.every((c) => c === 1)),
    `panes tile ${w}x${h} exactly`,
  );
}

const kinds = (l: Layout) => leaves(l.root).map((p) => p.kind);

test('the default layout: four panes in reading order, Dataset focused', () => {
  const l = defaultLayout();
  assert.deepEqual(kinds(l), ['dataset', 'model', 'log', 'predictions']);
  assert.equal(l.focus, leaves(l.root)[0].id);
  const rects = computeRects(l, 120, 39);
  assertTiles(rects, 120, 39);
  const byKind = Object.fromEntries(rects.map((r) => [r.kind, r]));
  assert.ok(byKind.dataset.x === 0 && byKind.model.x === 0 && byKind.log.x > 0, 'data and model on the left, log on the right');
  assert.ok(byKind.model.y > byKind.dataset.y && byKind.predictions.y > byKind.log.y, 'stacked in each column');
  assert.deepEqual(
    rects.map((r) => r.number),
    [1, 2, 3, 4],
  );
});

test('rectangles tile any screen size, tiny or huge', () => {
  for (const [w, h] of [
    [80, 23],
    [250, 69],
    [41, 9],
    [13, 5],
    [1, 1],
  ])
    assertTiles(computeRects(defaultLayout(), w, h), w, h);
});

test('split side by side (h) and stacked (v): the new pane takes the second half and the focus', () => {
  let l = defaultLayout();
  const before = l.focus;
  l = splitFocused(l, 'h', 'log');
  assert.equal(leaves(l.root).length, 5);
  const rects = computeRects(l, 120, 40);
  const old = rects.find((r) => r.id === before)!;
  const added = rects.find((r) => r.id === l.focus)!;
  assert.equal(added.kind, 'log');
  assert.ok(added.x === old.x + old.width && added.y === old.y && added.height === old.height, 'side by side');
  l = splitFocused(l, 'v', 'model');
  const r2 = computeRects(l, 120, 40);
  const top = r2.find((r) => r.id === added.id)!;
  const below = r2.find((r) => r.id === l.focus)!;
  assert.ok(below.y === top.y + top.height && below.x === top.x && below.width === top.width, 'stacked');
  assertTiles(r2, 120, 40);
  assert.equal(new Set(leaves(l.root).map((p) => p.id)).size, 6, 'ids stay unique');
});

test('close: the sibling takes the room, focus moves to the previous pane; the last pane stays', () => {
  let l = defaultLayout();
  l = focusNumber(l, 3)!; // log
  const closed = closePane(l)!;
  assert.deepEqual(kinds(closed), ['dataset', 'model', 'predictions']);
  assert.equal(leaves(closed.root).find((p) => p.id === closed.focus)!.kind, 'model', 'the pane before it');
  const rects = computeRects(closed, 100, 30);
  assert.equal(rects.find((r) => r.kind === 'predictions')!.height, 30, 'predictions fills the right column');
  let one: Layout | undefined = closed;
  while (one && leaves(one.root).length > 1) one = closePane(one);
  assert.ok(one);
  assert.equal(closePane(one!), undefined, 'the last pane is never closed');
});

test('focus next/previous wraps; by number; a missing number is refused', () => {
  let l = defaultLayout();
  const order = leaves(l.root).map((p) => p.id);
  l = focusCycle(l, -1);
  assert.equal(l.focus, order[3]);
  l = focusCycle(l, 1);
  assert.equal(l.focus, order[0]);
  assert.equal(focusNumber(l, 4)!.focus, order[3]);
  assert.equal(focusNumber(l, 5), undefined);
});

test('focus by direction follows the geometry', () => {
  const l = defaultLayout();
  const id = (k: string) => leaves(l.root).find((p) => p.kind === k)!.id;
  const from = (k: string) => ({ ...l, focus: id(k) });
  assert.equal(focusDirection(from('dataset'), 'right', 120, 40).focus, id('log'));
  assert.equal(focusDirection(from('dataset'), 'down', 120, 40).focus, id('model'));
  assert.equal(focusDirection(from('predictions'), 'up', 120, 40).focus, id('log'));
  assert.equal(focusDirection(from('predictions'), 'left', 120, 40).focus, id('model'), 'the neighbour sharing most of the edge');
  assert.equal(focusDirection(from('dataset'), 'left', 120, 40).focus, id('dataset'), 'nothing to the left: unchanged');
});

test('zoom: the focused pane fills the screen, and back', () => {
  const l = focusNumber(defaultLayout(), 2)!;
  const z = toggleZoom(l);
  const rects = computeRects(z, 120, 39);
  assert.equal(rects.length, 1);
  assert.deepEqual(
    { kind: rects[0].kind, x: rects[0].x, y: rects[0].y, w: rects[0].width, h: rects[0].height, n: rects[0].number },
    { kind: 'model', x: 0, y: 0, w: 120, h: 39, n: 2 },
  );
  assert.equal(computeRects(toggleZoom(z), 120, 39).length, 4);
});

test('fits: panes below their minimum size are detected', () => {
  assert.ok(fits(defaultLayout(), 80, 23));
  let l = defaultLayout();
  for (let i = 0; i < 5; i++) l = splitFocused(l, 'h', 'log');
  assert.equal(fits(l, 80, 23), false);
});
