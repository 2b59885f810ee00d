/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * React contexts, one concern each: the state store, the controller (commands), the keymap, the
 * layout, the panes' key handlers, the screen size.
 */
import { createContext, useCallback, useContext, useRef, useSyncExternalStore } from 'react';
import type { WorkbenchController } from './controller/controller.js';
import type { Keymap } from './keys/keymap.js';
import type { Layout } from './layout/tree.js';
import type { WorkbenchStore } from './state/store.js';
import type { WorkbenchState } from './state/types.js';

export const StoreContext = createContext<WorkbenchStore | null>(null);
export const ControllerContext = createContext<WorkbenchController | null>(null);
export const KeymapContext = createContext<Keymap | null>(null);
export const ScreenContext = createContext<{ columns: number; rows: number }>({ columns: 80, rows: 24 });

export type LayoutAction = { type: 'set'; layout: Layout };
export const LayoutContext = createContext<{ layout: Layout; setLayout(l: Layout): void } | null>(null);

export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function need<T>(v: T | null, name: string): T {
  if (v === null) throw new Error(`${name} is missing: render inside <WorkbenchProviders>`);
  return v;
}

export function useStore(): WorkbenchStore {
  return need(useContext(StoreContext), 'StoreContext');
}

/** A slice of the workbench state; the component re-renders when the slice changes. */
export function useWorkbench<T>(select: (s: WorkbenchState) => T): T {
  const store = useStore();
  const selectRef = useRef(select);
  selectRef.current = select;
  const last = useRef<{ value: T } | undefined>(undefined);
  // selectors may build small objects: keep the previous one while it is shallow-equal, so React
  // sees a stable snapshot
  const get = useCallback(() => {
    const v = selectRef.current(store.get());
    if (last.current && shallowEqual(last.current.value, v)) return last.current.value;
    last.current = { value: v };
    return v;
  }, [store]);
  return useSyncExternalStore(store.subscribe, get, get);
}

export function useController(): WorkbenchController {
  return need(useContext(ControllerContext), 'ControllerContext');
}

export function useKeymap(): Keymap {
  return need(useContext(KeymapContext), 'KeymapContext');
}

export function useLayout(): { layout: Layout; setLayout(l: Layout): void } {
  return need(useContext(LayoutContext), 'LayoutContext');
}

export function useScreen(): { columns: number; rows: number } {
  return useContext(ScreenContext);
}
