/**
 * Pane kinds: what a pane can show. Each kind registers itself here; the kind chooser (ctrl+f c)
 * lists whatever is registered, so a later kind (Activations, Interpretation...) is one more
 * registerPaneKind call.
 */
import type { ComponentType } from 'react';

export interface PaneProps {
  /** the pane's id in the layout (stable while it lives) */
  id: number;
  /** inner size, inside the border */
  width: number;
  height: number;
  focused: boolean;
}

export interface PaneKind {
  kind: string;
  title: string;
  description: string;
  component: ComponentType<PaneProps>;
}

const kinds = new Map<string, PaneKind>();

export function registerPaneKind(k: PaneKind): void {
  kinds.set(k.kind, k);
}

export function paneKinds(): PaneKind[] {
  return [...kinds.values()];
}

export function paneKind(kind: string): PaneKind | undefined {
  return kinds.get(kind);
}
