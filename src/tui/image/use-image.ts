/**
 * useImageLines(file, cols, rows): the picture as half-block lines fitting the box, decoded off the
 * render path (sharp is loaded on first use, after the first frame) and cached, so moving through a
 * list or resizing the terminal redraws at the new size without blocking keys.
 */
import { useEffect, useState } from 'react';
import { halfBlockLines, pixelBox } from './halfblock.js';

export type ImageLines = { status: 'loading' } | { status: 'ready'; lines: string[] } | { status: 'error'; error: string };

const cache = new Map<string, string[] | Error>();
const MAX_CACHE = 64;

/** Decode and draw one image at a box size; results are cached by file and size. */
export async function renderImageLines(file: string, cols: number, rows: number): Promise<string[]> {
  const key = `${cols}x${rows}:${file}`;
  const hit = cache.get(key);
  if (hit instanceof Error) throw hit;
  if (hit) return hit;
  try {
    const { decodeForDisplay } = await import('../../core/images/decode.js');
    const box = pixelBox(cols, rows);
    const img = await decodeForDisplay(file, box.width, box.height);
    const lines = halfBlockLines(img, cols);
    remember(key, lines);
    return lines;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    remember(key, err);
    throw err;
  }
}

function remember(key: string, v: string[] | Error): void {
  if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!);
  cache.set(key, v);
}

export function useImageLines(file: string | undefined, cols: number, rows: number): ImageLines | undefined {
  const [state, setState] = useState<{ key: string; value: ImageLines } | undefined>(undefined);
  const ok = file !== undefined && cols >= 2 && rows >= 1;
  const key = ok ? `${cols}x${rows}:${file}` : '';
  useEffect(() => {
    if (!ok) return;
    let live = true;
    const hit = cache.get(key);
    if (hit && !(hit instanceof Error)) {
      setState({ key, value: { status: 'ready', lines: hit } });
      return;
    }
    // a short pause: holding j down through a list decodes only where the cursor stops
    const timer = setTimeout(() => {
      renderImageLines(file!, cols, rows).then(
        (lines) => live && setState({ key, value: { status: 'ready', lines } }),
        (e: Error) => live && setState({ key, value: { status: 'error', error: e.message } }),
      );
    }, 30);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, ok, file, cols, rows]);
  if (!ok) return undefined;
  // while the new size/file decodes, keep nothing stale of another file
  return state?.key === key ? state.value : { status: 'loading' };
}
