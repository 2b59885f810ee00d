/**
 * Where an auto-opened pane goes (alt+e, enter on a layer, alt+l...), as pure layout logic: it
 * splits the largest pane with room for two, never below MIN_OPEN_WIDTH×MIN_OPEN_HEIGHT; with no
 * room it takes the place of the least recently used auto-opened pane. A pane keeps its number for
 * its life; a new one gets the lowest free number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closePane, computeRects, defaultLayout, focusNumber, leaves, paneNumber, type Layout, type PaneRect } from '../src/tui/layout/tree.js';
import { MIN_OPEN_HEIGHT, MIN_OPEN_WIDTH, revealKind } from '../src/tui/layout/place.js';

/** The screens the workbench draws panes on: the terminal less the status bar. */
const BIG = { w: 160, h: 47 };
const SMALL = { w: 80, h: 23 };

const byNumber = (l: Layout, s: { w: number; h: number }) => new Map(computeRects(l, s.w, s.h).map((r) => [r.number, r]));
const numbered = (l: Layout) => new Map(leaves(l.root).map((p) => [p.number, p.kind]));
const open = (l: Layout, kind: string, s: { w: number; h: number }) => revealKind(l, kind, s.w, s.h);

function assertUsable(l: Layout, s: { w: number; h: number }, what: string): void {
  for (const r of computeRects(l, s.w, s.h))
    assert.ok(r.width >= MIN_OPEN_WIDTH && r.height >= MIN_OPEN_HEIGHT, `${what}: pane ${r.number} ${r.kind} is ${r.width}x${r.height} on ${s.w}x${s.h}`);
}

/** Every pane that was there keeps its number and kind, except the one replaced. */
function assertKept(before: Layout, after: Layout, replaced?: number): void {
  for (const [n, kind] of numbered(before)) if (n !== replaced) assert.equal(numbered(after).get(n), kind, `pane ${n} (${kind}) keeps its number`);
}

test('160x48: each open splits the largest pane along its longer side; the Training log keeps its width', () => {
  let l = defaultLayout();
  const area = (r: PaneRect) => r.width * r.height;
  const opens: Array<[string, string]> = [
    ['interpretation', 'dataset'],
    ['activations', 'log'],
    ['lr-find', 'predictions'],
  ];
  for (const [i, [kind, splits]] of opens.entries()) {
    const before = byNumber(l, BIG);
    const largest = [...before.values()].reduce((a, r) => (area(r) > area(a) ? r : a));
    assert.equal(largest.kind, splits, `open ${i + 1}: the largest pane is the ${splits}`);
    const r = open(l, kind, BIG);
    assert.ok(r.added && !r.replaced);
    assertKept(l, r.layout);
    const after = byNumber(r.layout, BIG);
    const mine = after.get(paneNumber(r.layout, r.id))!;
    assert.equal(mine.number, 5 + i, 'the lowest free number');
    assert.equal(mine.kind, kind);
    const was = after.get(largest.number)!;
    // side by side: the split pane gave the new one its right half, same height
    assert.deepEqual(
      [was.x, was.y, was.height, mine.y, mine.height, mine.x],
      [largest.x, largest.y, largest.height, largest.y, largest.height, largest.x + was.width],
    );
    assert.equal(was.width + mine.width, largest.width);
    for (const [n, rect] of before) if (n !== largest.number) assert.deepEqual(after.get(n), rect, `pane ${n} is untouched`);
    assert.equal(r.layout.focus, l.focus, 'the focus stays where it was');
    assertUsable(r.layout, BIG, `after opening ${kind}`);
    l = r.layout;
  }
  assert.ok(byNumber(l, BIG).get(3)!.width >= 40, 'the Training log is not squeezed');
  // a kind already on the screen is reused, nothing moves
  const again = open(l, 'activations', BIG);
  assert.equal(again.added, false);
  assert.equal(again.layout, l);
  assert.equal(paneNumber(l, again.id), 6);
});

test('80x24: two opens fit (stacked), the third takes the place of the least recently used auto-opened pane', () => {
  let l = defaultLayout();
  l = open(l, 'interpretation', SMALL).layout;
  assertUsable(l, SMALL, 'first open');
  const interp = byNumber(l, SMALL).get(5)!;
  assert.equal(interp.kind, 'interpretation');
  assert.equal(interp.x, 0, 'stacked under the Dataset pane (too narrow to split side by side)');
  l = open(l, 'activations', SMALL).layout;
  assertUsable(l, SMALL, 'second open');
  assert.equal(numbered(l).get(6), 'activations');
  // no pane has room for two: the third open replaces pane 5 (opened first, never focused since)
  const before = l;
  const r = open(l, 'lr-find', SMALL);
  assert.equal(r.replaced, 'interpretation');
  assertKept(before, r.layout, 5);
  assert.equal(numbered(r.layout).get(5), 'lr-find', 'the replacement keeps the pane number');
  assert.deepEqual(
    computeRects(r.layout, SMALL.w, SMALL.h).map((p) => [p.number, p.x, p.y, p.width, p.height]),
    computeRects(before, SMALL.w, SMALL.h).map((p) => [p.number, p.x, p.y, p.width, p.height]),
    'nothing moves',
  );
  assertUsable(r.layout, SMALL, 'third open');
  l = r.layout;
  // focusing pane 6 (ctrl-f 6) makes it the most recently used: the next open replaces pane 5 again
  l = focusNumber(l, 6)!;
  assert.equal(leaves(l.root).find((p) => p.id === l.focus)!.kind, 'activations', 'ctrl-f 6 is the Activations pane');
  l = focusNumber(l, 1)!;
  const r2 = open(l, 'interpretation', SMALL);
  assert.equal(r2.replaced, 'lr-find');
  assert.equal(numbered(r2.layout).get(5), 'interpretation');
  assert.equal(numbered(r2.layout).get(6), 'activations');
});

test('160x48: a long sequence of opens keeps every pane usable and every number in place', () => {
  let l = defaultLayout();
  for (let i = 0; i < 14; i++) {
    const r = open(l, `extra${i}`, BIG);
    assert.ok(r.added);
    assertKept(l, r.layout, r.replaced ? paneNumber(r.layout, r.id) : undefined);
    assertUsable(r.layout, BIG, `open ${i + 1}`);
    l = r.layout;
  }
  const numbers = leaves(l.root)
    .map((p) => p.number)
    .sort((a, b) => a - b);
  assert.deepEqual(
    numbers,
    Array.from({ length: numbers.length }, (_, i) => i + 1),
    'numbers 1..N, no gaps',
  );
  assert.ok(numbers.length > 7, `more panes than the default on a big screen (${numbers.length})`);
  for (const [n, kind] of [
    [1, 'dataset'],
    [2, 'model'],
    [3, 'log'],
    [4, 'predictions'],
  ] as const)
    assert.equal(numbered(l).get(n), kind, 'the first four are never replaced');
});

test('closing a pane frees its number for the next new pane; the others keep theirs', () => {
  let l = defaultLayout();
  l = open(l, 'interpretation', BIG).layout;
  l = open(l, 'activations', BIG).layout;
  l = closePane(focusNumber(l, 2)!)!; // the Model stack
  assert.deepEqual([...numbered(l).keys()].sort(), [1, 3, 4, 5, 6]);
  l = open(l, 'lr-find', BIG).layout;
  assert.equal(numbered(l).get(2), 'lr-find', 'the lowest free number');
  assert.equal(numbered(l).get(5), 'interpretation');
  assert.equal(focusNumber(l, 6)!.focus, leaves(l.root).find((p) => p.kind === 'activations')!.id, 'ctrl-f 6 still means Activations');
});

test('a tiny screen with no auto-opened pane: the least recently used pane other than the focused one is replaced', () => {
  const tiny = { w: 60, h: 15 };
  const l = focusNumber(focusNumber(defaultLayout(), 4)!, 1)!; // predictions used, then dataset focused
  const r = open(l, 'interpretation', tiny);
  assert.ok(r.replaced, 'no pane can be split here');
  assert.notEqual(r.replaced, 'dataset', 'never the focused pane');
  assert.equal(r.replaced, 'model', 'the least recently used: never focused, first in reading order');
  assert.equal(numbered(r.layout).get(2), 'interpretation');
});

test('? help states the rule in one line, in the Panes group', async () => {
  const { helpLines, PLACEMENT_RULE } = await import('../src/tui/components/HelpView.js');
  const { buildKeymap, readDefaultKeymap } = await import('../src/tui/keys/keymap.js');
  const { initialState } = await import('../src/tui/state/types.js');
  const text = helpLines(buildKeymap(readDefaultKeymap()), { state: initialState('x'), layout: defaultLayout() }, 400).map((l) => l.text);
  const panes = text.findIndex((t) => t.startsWith('Panes'));
  const rule = text.findIndex((t) => t.includes(PLACEMENT_RULE));
  assert.ok(panes >= 0 && rule > panes && !text.slice(panes, rule).includes(''), 'inside the Panes group');
  assert.match(PLACEMENT_RULE, /largest pane.*40×6.*least recently used/);
});
