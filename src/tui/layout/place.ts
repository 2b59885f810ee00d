/**
 * Where a pane the workbench opens by itself goes (alt+e: Interpretation, enter on a layer:
 * Activations, alt+l: LR finder, a top loss: Predictions). One rule a user can predict:
 *
 *   a pane of that kind already open is reused; otherwise the largest pane with room for two is
 *   split in half along its longer side (never below MIN_OPEN_WIDTH×MIN_OPEN_HEIGHT); with no room
 *   anywhere, the new pane takes the place (and number) of the least recently used auto-opened pane.
 *
 * Nothing else moves or is renumbered, and the focus stays where it was.
 */
import {
  computeRects,
  cut,
  findPane,
  leaf,
  leaves,
  mapLeaf,
  MIN_PANE_HEIGHT,
  MIN_PANE_WIDTH,
  naturalSplit,
  splitPane,
  touch,
  type Layout,
  type PaneRect,
  type SplitDir,
} from './tree.js';

/** No pane is split below this (cells, border included): narrower panes are not worth reading. */
export const MIN_OPEN_WIDTH = 40;
export const MIN_OPEN_HEIGHT = 6;

export interface Placed {
  layout: Layout;
  /** the pane that shows the kind */
  id: number;
  /** the layout changed (a new pane, or one replaced) */
  added: boolean;
  /** the kind that was in the pane now showing this one */
  replaced?: string;
}

/** How a pane would be split in half, or undefined when either half would be too small. */
export function halving(r: PaneRect): SplitDir | undefined {
  const ok = (dir: SplitDir) => {
    const len = dir === 'h' ? r.width : r.height;
    const first = cut(len, 0.5, dir === 'h' ? MIN_PANE_WIDTH : MIN_PANE_HEIGHT);
    return Math.min(first, len - first) >= (dir === 'h' ? MIN_OPEN_WIDTH : MIN_OPEN_HEIGHT);
  };
  const natural = naturalSplit(r);
  const other: SplitDir = natural === 'h' ? 'v' : 'h';
  return ok(natural) ? natural : ok(other) ? other : undefined;
}

/** The pane of `kind` on a width×height screen: reused, split off the largest pane, or replacing one. */
export function revealKind(l: Layout, kind: string, width: number, height: number): Placed {
  const there = leaves(l.root).find((p) => p.kind === kind);
  if (there) return { layout: l, id: there.id, added: false };
  const rects = computeRects({ ...l, zoomed: false }, width, height);
  // the largest pane (ties: the first in reading order) that halves into two usable panes
  let target: { r: PaneRect; dir: SplitDir } | undefined;
  for (const r of rects) {
    const dir = halving(r);
    if (dir && (!target || r.width * r.height > target.r.width * target.r.height)) target = { r, dir };
  }
  if (target) {
    const next = splitPane(l, target.r.id, target.dir, kind, true);
    return { layout: { ...next, focus: l.focus, zoomed: false, recent: touch(l, next.focus) }, id: next.focus, added: true };
  }
  const victim = leastRecent(l);
  const id = l.nextId;
  const old = findPane(l, victim)!;
  const root = mapLeaf(l.root, victim, (p) => ({ ...leaf(id, kind, p.number), auto: true }));
  const recent = [id, ...l.recent.filter((x) => x !== victim)];
  return { layout: { ...l, root, nextId: id + 1, zoomed: false, recent }, id, added: true, replaced: old.kind };
}

/** The least recently used auto-opened pane (not the focused one); with none, any pane but the focused one. */
function leastRecent(l: Layout): number {
  const others = leaves(l.root).filter((p) => p.id !== l.focus);
  const auto = others.filter((p) => p.auto);
  const pool = auto.length ? auto : others.length ? others : leaves(l.root);
  // never used: older (opened earlier) first; then the one used longest ago
  const age = (id: number) => {
    const i = l.recent.indexOf(id);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return pool.reduce((a, p) => (age(p.id) > age(a.id) || (age(p.id) === age(a.id) && age(p.id) === Number.POSITIVE_INFINITY && p.id < a.id) ? p : a), pool[0])
    .id;
}
