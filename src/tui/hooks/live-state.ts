/**
 * State that a key handler reads back at once. The router delivers keys a tick apart, but React
 * need not have re-rendered by the next one (a slow frame, a loaded machine): a handler that reads
 * its render's closure would move from where the previous key started, and that key would be lost.
 * The handler reads `ref.current`, which `set` updates before React renders; the render reads the value.
 */
import { useCallback, useRef, useState } from 'react';

export type LiveSetter<T> = (next: T | ((prev: T) => T)) => void;

export function useLiveState<T>(initial: T | (() => T)): [T, LiveSetter<T>, { readonly current: T }] {
  const [value, setValue] = useState(initial);
  const ref = useRef(value);
  const set = useCallback<LiveSetter<T>>((next) => {
    const v = typeof next === 'function' ? (next as (prev: T) => T)(ref.current) : next;
    ref.current = v;
    setValue(v);
  }, []);
  return [value, set, ref];
}
