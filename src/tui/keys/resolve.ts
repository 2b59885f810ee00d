/**
 * From strokes to actions: the prefix state machine (ctrl+f, then a key — like tmux) and the lookup
 * of global and in-pane bindings. Pure: the state goes in and comes out.
 */
import type { Keymap } from './keymap.js';
import { formatStroke, sameStroke, type Stroke } from './keyspec.js';

export interface PrefixState {
  /** the prefix was pressed and the next stroke completes the binding */
  pending: boolean;
}

export const IDLE: PrefixState = { pending: false };

export type Resolution =
  /** a global binding fired */
  | { type: 'action'; action: string }
  /** the prefix was pressed: wait for the next stroke */
  | { type: 'prefix' }
  /** prefix then a key with no binding (tmux just ignores it; we say so) */
  | { type: 'unbound'; label: string }
  /** escape after the prefix */
  | { type: 'cancelled' }
  /** not a global key: the focused pane may use it */
  | { type: 'none' };

export function resolveGlobal(state: PrefixState, stroke: Stroke, km: Keymap): { state: PrefixState; result: Resolution } {
  if (state.pending) {
    const b = km.bindings.find((x) => x.scope === 'global' && x.seq.length === 2 && sameStroke(x.seq[1], stroke));
    if (b) return { state: IDLE, result: { type: 'action', action: b.action } };
    if (stroke.key === 'escape') return { state: IDLE, result: { type: 'cancelled' } };
    return { state: IDLE, result: { type: 'unbound', label: `${formatStroke(km.prefix)} ${formatStroke(stroke)}` } };
  }
  if (sameStroke(stroke, km.prefix)) return { state: { pending: true }, result: { type: 'prefix' } };
  const b = km.bindings.find((x) => x.scope === 'global' && x.seq.length === 1 && sameStroke(x.seq[0], stroke));
  if (b) return { state: IDLE, result: { type: 'action', action: b.action } };
  return { state: IDLE, result: { type: 'none' } };
}

/** In-pane action of a stroke (down, up, select, filter, back...), if any. */
export function resolvePane(stroke: Stroke, km: Keymap): string | undefined {
  return km.bindings.find((x) => x.scope === 'pane' && x.seq.length === 1 && sameStroke(x.seq[0], stroke))?.action;
}

/** Every in-pane action bound to a stroke: panes that share a key ("u": unfreeze, undo) each find theirs. */
export function resolvePaneAll(stroke: Stroke, km: Keymap): string[] {
  return km.bindings.filter((x) => x.scope === 'pane' && x.seq.length === 1 && sameStroke(x.seq[0], stroke)).map((x) => x.action);
}

/** Global bindings that are typed as plain characters ("q", "?"): not while a text field has focus. */
export function isPlainKeyAction(km: Keymap, action: string): boolean {
  return km.bindings.some((b) => b.action === action && b.seq.length === 1 && !b.seq[0].ctrl && !b.seq[0].alt && b.seq[0].key.length === 1);
}
