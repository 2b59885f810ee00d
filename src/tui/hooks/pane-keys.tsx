/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * How a pane gets its keys: it registers a handler (and the key hints the status bar shows for it);
 * the key router calls the focused pane's handler for strokes that no global binding took.
 */
import { createContext, useContext, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { Stroke } from '../keys/keyspec.js';

export interface PaneKeyEvent {
  /** the in-pane action of the keymap (down, up, select, filter, back...), if the stroke has one */
  action?: string;
  /** every in-pane action bound to the stroke, when panes share a key (action is the first) */
  actions?: string[];
  stroke: Stroke;
  /** the raw text typed (for text fields) */
  input: string;
}

/** Returns true when the pane used the key. */
export type PaneKeyHandler = (e: PaneKeyEvent) => boolean;

interface Registration {
  handler: PaneKeyHandler;
  /** a text field has the keys: plain letters (q, ?) are typed, not commands */
  capturesText: boolean;
  hints: string[];
}

export class PaneKeyRegistry {
  private regs = new Map<number, Registration>();
  private listeners = new Set<() => void>();

  set(id: number, r: Registration): void {
    const old = this.regs.get(id);
    this.regs.set(id, r);
    if (!old || old.capturesText !== r.capturesText || old.hints.join('\u0000') !== r.hints.join('\u0000')) this.changed();
  }

  delete(id: number): void {
    if (this.regs.delete(id)) this.changed();
  }

  get(id: number): Registration | undefined {
    return this.regs.get(id);
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

export const PaneKeysContext = createContext<PaneKeyRegistry | null>(null);

export function PaneKeysProvider({ registry, children }: { registry: PaneKeyRegistry; children: ReactNode }) {
  return <PaneKeysContext.Provider value={registry}>{children}</PaneKeysContext.Provider>;
}

export function usePaneKeyRegistry(): PaneKeyRegistry {
  const r = useContext(PaneKeysContext);
  if (!r) throw new Error('PaneKeysContext is missing');
  return r;
}

/**
 * Register a pane's key handler. The latest handler is always called (no stale closures); hints
 * and the text-capture flag are re-published when they change.
 */
export function usePaneKeys(id: number, handler: PaneKeyHandler, o: { capturesText?: boolean; hints?: string[] } = {}): void {
  const reg = usePaneKeyRegistry();
  const ref = useRef(handler);
  ref.current = handler;
  const capturesText = o.capturesText ?? false;
  const hints = o.hints ?? [];
  const hintKey = hints.join('\u0000');
  // layout effects: registered within the commit that shows the pane or overlay, so a key typed
  // right after (dmenu users type at once) is never dropped
  useLayoutEffect(() => {
    reg.set(id, { handler: (e) => ref.current(e), capturesText, hints });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reg, id, capturesText, hintKey]);
  useLayoutEffect(() => () => reg.delete(id), [reg, id]);
}

/** The focused pane's registration, kept current for the status bar. */
export function usePaneRegistration(id: number): Registration | undefined {
  const reg = usePaneKeyRegistry();
  const [, bump] = useState(0);
  useEffect(() => reg.subscribe(() => bump((n) => n + 1)), [reg]);
  return reg.get(id);
}
