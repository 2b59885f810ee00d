/**
 * Bring a kind of pane on the screen from inside a pane (Model stack → Activations, a top loss →
 * Predictions): the pane already there, or a new one split off the largest pane. Focus stays.
 */
import { useCallback } from 'react';
import { useLayout, useScreen } from '../contexts.js';
import { paneNumber, revealKind } from '../layout/tree.js';

export function useReveal(): (kind: string) => { number: number; added: boolean } {
  const { layout, setLayout } = useLayout();
  const { columns, rows } = useScreen();
  return useCallback(
    (kind: string) => {
      const r = revealKind(layout, kind, columns, rows - 1);
      if (r.added) setLayout(r.layout);
      return { number: paneNumber(r.layout, r.id), added: r.added };
    },
    [layout, setLayout, columns, rows],
  );
}
