/**
 * Bring a kind of pane on the screen from inside a pane (Model stack → Activations, a top loss →
 * Predictions): the pane already there, or a new one placed by the rule in layout/place.ts. Focus stays.
 */
import { useCallback } from 'react';
import { useLayout, useScreen } from '../contexts.js';
import { revealKind } from '../layout/place.js';
import { paneNumber } from '../layout/tree.js';

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
