/**
 * The workbench's pane layout as a pure tree, like tmux's: a leaf is a pane, a split divides its
 * rectangle in two along a ratio. Every operation returns a new layout; nothing here knows React.
 *
 * Directions follow tmux: 'h' puts panes side by side (`%`), 'v' stacks them (`"`).
 *
 * A pane's number (what `ctrl-f N` jumps to) is its own for its life: a new pane gets the lowest
 * number free, and splitting or closing others never renumbers it.
 */

export type SplitDir = 'h' | 'v';

export interface Leaf {
  type: 'leaf';
  /** unique for the layout's life (never reused): the pane's identity */
  id: number;
  kind: string;
  /** what ctrl-f N jumps to and the border shows; kept for the pane's life, reused once it closes */
  number: number;
  /** opened by the workbench (alt+e, alt+l, enter on a layer), not by the user: may be replaced */
  auto?: boolean;
}

export interface Split {
  type: 'split';
  dir: SplitDir;
  /** share of the first child, in (0, 1) */
  ratio: number;
  a: Node;
  b: Node;
}

export type Node = Leaf | Split;

export interface Layout {
  root: Node;
  /** id of the focused pane */
  focus: number;
  /** the focused pane fills the screen */
  zoomed: boolean;
  nextId: number;
  /** pane ids, most recently focused or opened first (what an auto-opened pane replaces) */
  recent: number[];
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PaneRect extends Rect {
  id: number;
  kind: string;
  /** the pane's number, what ctrl-f 1-9 jumps to */
  number: number;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

export function leaf(id: number, kind: string, number = id): Leaf {
  return { type: 'leaf', id, kind, number };
}

export function split(dir: SplitDir, a: Node, b: Node, ratio = 0.5): Split {
  return { type: 'split', dir, ratio, a, b };
}

/** Build a layout from a tree whose leaves already have ids; focus the first pane. */
export function makeLayout(root: Node, focus?: number): Layout {
  const ids = leaves(root).map((l) => l.id);
  const f = focus ?? ids[0];
  return { root, focus: f, zoomed: false, nextId: Math.max(...ids) + 1, recent: [f] };
}

/** The workbench's first layout: data and model on the left, log and predictions on the right. */
export function defaultLayout(): Layout {
  return makeLayout(split('h', split('v', leaf(1, 'dataset'), leaf(2, 'model'), 0.55), split('v', leaf(3, 'log'), leaf(4, 'predictions'), 0.5), 0.5));
}

/** Panes in reading order (first child before second: left before right, top before bottom). */
export function leaves(n: Node): Leaf[] {
  return n.type === 'leaf' ? [n] : [...leaves(n.a), ...leaves(n.b)];
}

export function paneCount(l: Layout): number {
  return leaves(l.root).length;
}

export function findPane(l: Layout, id: number): Leaf | undefined {
  return leaves(l.root).find((p) => p.id === id);
}

export function focusedPane(l: Layout): Leaf {
  return findPane(l, l.focus) ?? leaves(l.root)[0];
}

/** The lowest pane number no pane has. */
export function freeNumber(l: Layout): number {
  const used = new Set(leaves(l.root).map((p) => p.number));
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

/** The pane counts as just used (focused or opened). */
export function touch(l: Layout, id: number): number[] {
  return [id, ...(l.recent ?? []).filter((x) => x !== id)];
}

/** Focus a pane (it becomes the most recently used). */
export function withFocus(l: Layout, id: number): Layout {
  return { ...l, focus: id, recent: touch(l, id) };
}

export function mapLeaf(n: Node, id: number, f: (l: Leaf) => Node): Node {
  if (n.type === 'leaf') return n.id === id ? f(n) : n;
  const a = mapLeaf(n.a, id, f);
  const b = mapLeaf(n.b, id, f);
  return a === n.a && b === n.b ? n : { ...n, a, b };
}

/**
 * Split the focused pane: it keeps the first half, a new pane of `kind` takes the second and gets
 * the focus (as in tmux). Zoom is left, so the new pane is seen.
 */
export function splitFocused(l: Layout, dir: SplitDir, kind: string): Layout {
  return splitPane(l, l.focus, dir, kind);
}

/** Split pane `target`: a new pane of `kind` (the lowest free number) takes its second half and the focus. */
export function splitPane(l: Layout, target: number, dir: SplitDir, kind: string, auto = false): Layout {
  const id = l.nextId;
  const added: Leaf = { ...leaf(id, kind, freeNumber(l)), ...(auto ? { auto } : {}) };
  const root = mapLeaf(l.root, target, (p) => split(dir, p, added));
  return withFocus({ ...l, root, zoomed: false, nextId: id + 1 }, id);
}

function removeLeaf(n: Node, id: number): Node | undefined {
  if (n.type === 'leaf') return n.id === id ? undefined : n;
  const a = removeLeaf(n.a, id);
  const b = removeLeaf(n.b, id);
  if (!a) return b;
  if (!b) return a;
  return a === n.a && b === n.b ? n : { ...n, a, b };
}

/**
 * Close a pane (default: the focused one); its sibling takes its room. The last pane is never
 * closed: returns undefined so the caller can say why.
 */
export function closePane(l: Layout, id = l.focus): Layout | undefined {
  const order = leaves(l.root);
  if (order.length <= 1 || !order.some((p) => p.id === id)) return undefined;
  const root = removeLeaf(l.root, id)!;
  const rest = { ...l, root, zoomed: false, recent: (l.recent ?? []).filter((x) => x !== id) };
  if (id !== l.focus) return rest;
  // tmux moves to the pane before the closed one (or the next when it was the first)
  const i = order.findIndex((p) => p.id === id);
  return withFocus(rest, (order[i - 1] ?? order[i + 1]).id);
}

export function focusPane(l: Layout, id: number): Layout {
  return findPane(l, id) ? withFocus(l, id) : l;
}

/** Next (+1) or previous (-1) pane in reading order, wrapping round. */
export function focusCycle(l: Layout, step: 1 | -1): Layout {
  const order = leaves(l.root);
  const i = order.findIndex((p) => p.id === l.focus);
  const next = order[(i + step + order.length) % order.length];
  return withFocus(l, next.id);
}

/** The pane with number n, if there is one. */
export function paneByNumber(l: Layout, n: number): Leaf | undefined {
  return leaves(l.root).find((p) => p.number === n);
}

/** Focus pane number n; undefined when there is no such pane. */
export function focusNumber(l: Layout, n: number): Layout | undefined {
  const p = paneByNumber(l, n);
  return p ? withFocus(l, p.id) : undefined;
}

export function toggleZoom(l: Layout): Layout {
  return { ...l, zoomed: !l.zoomed && paneCount(l) > 1 };
}

/**
 * Cut a length in two along a ratio, keeping at least `min` cells on each side when there is room.
 */
export function cut(len: number, ratio: number, min: number): number {
  let first = Math.round(len * ratio);
  if (len >= 2 * min) first = Math.min(Math.max(first, min), len - min);
  return Math.min(Math.max(first, 0), len);
}

/** Smallest pane, in cells, that still has a whole border and a line of content. */
export const MIN_PANE_WIDTH = 12;
export const MIN_PANE_HEIGHT = 4;

/** Cells the first child of a split gets out of a width×height rectangle (same rule as computeRects). */
export function firstShare(n: Split, width: number, height: number): number {
  return n.dir === 'h' ? cut(width, n.ratio, MIN_PANE_WIDTH) : cut(height, n.ratio, MIN_PANE_HEIGHT);
}

function rectsOf(n: Node, r: Rect, out: Array<Omit<PaneRect, 'number'>>): void {
  if (n.type === 'leaf') {
    out.push({ id: n.id, kind: n.kind, ...r });
    return;
  }
  if (n.dir === 'h') {
    const w = cut(r.width, n.ratio, MIN_PANE_WIDTH);
    rectsOf(n.a, { ...r, width: w }, out);
    rectsOf(n.b, { ...r, x: r.x + w, width: r.width - w }, out);
  } else {
    const h = cut(r.height, n.ratio, MIN_PANE_HEIGHT);
    rectsOf(n.a, { ...r, height: h }, out);
    rectsOf(n.b, { ...r, y: r.y + h, height: r.height - h }, out);
  }
}

/**
 * Where each pane goes on a W×H screen. The rectangles tile the screen exactly (no gap, no
 * overlap). Zoomed: only the focused pane, filling it.
 */
export function computeRects(l: Layout, width: number, height: number): PaneRect[] {
  const numberOf = new Map(leaves(l.root).map((p) => [p.id, p.number]));
  if (l.zoomed) {
    const p = focusedPane(l);
    return [{ id: p.id, kind: p.kind, number: numberOf.get(p.id)!, x: 0, y: 0, width, height }];
  }
  const out: Array<Omit<PaneRect, 'number'>> = [];
  rectsOf(l.root, { x: 0, y: 0, width, height }, out);
  return out.map((r) => ({ ...r, number: numberOf.get(r.id)! }));
}

/** Does every pane get at least the minimum size on this screen? */
export function fits(l: Layout, width: number, height: number): boolean {
  return computeRects(l, width, height).every((r) => r.width >= MIN_PANE_WIDTH && r.height >= MIN_PANE_HEIGHT);
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * Move focus to the neighbour in a direction: among the panes touching the focused pane's edge on
 * that side, the one sharing the most of that edge (ties: nearest the top/left). None: unchanged.
 */
export function focusDirection(l: Layout, dir: Direction, width = 200, height = 60): Layout {
  const rects = computeRects({ ...l, zoomed: false }, width, height);
  const cur = rects.find((r) => r.id === l.focus);
  if (!cur) return l;
  let best: { id: number; score: number; pos: number } | undefined;
  for (const r of rects) {
    if (r.id === cur.id) continue;
    let touches = false;
    let shared = 0;
    let pos = 0;
    if (dir === 'left' || dir === 'right') {
      touches = dir === 'left' ? r.x + r.width === cur.x : cur.x + cur.width === r.x;
      shared = overlap(cur.y, cur.y + cur.height, r.y, r.y + r.height);
      pos = r.y;
    } else {
      touches = dir === 'up' ? r.y + r.height === cur.y : cur.y + cur.height === r.y;
      shared = overlap(cur.x, cur.x + cur.width, r.x, r.x + r.width);
      pos = r.x;
    }
    if (!touches || shared === 0) continue;
    if (!best || shared > best.score || (shared === best.score && pos < best.pos)) best = { id: r.id, score: shared, pos };
  }
  return best ? withFocus(l, best.id) : l;
}

/** Change the kind shown in a pane (`show KIND` at the prompt): the user's choice, so not auto. */
export function setKind(l: Layout, id: number, kind: string): Layout {
  return { ...l, root: mapLeaf(l.root, id, (p) => leaf(p.id, kind, p.number)) };
}

/** Split direction that suits a pane: side by side when it is wide (cells are twice as tall as wide). */
export function naturalSplit(r: Rect): SplitDir {
  return r.width >= r.height * 2.5 ? 'h' : 'v';
}

/** A pane's number (0 when there is no such pane). */
export function paneNumber(l: Layout, id: number): number {
  return findPane(l, id)?.number ?? 0;
}
