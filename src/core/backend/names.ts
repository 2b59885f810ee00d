import { UsageError } from '../errors.js';

// Backend names without TensorFlow: front ends parse --backend before anything heavy loads.

export type BackendName = 'node' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

export interface BackendInfo {
  /** petlab's name for it: node (libtensorflow via tfjs-node), wasm (XNNPACK, SIMD) or cpu (plain JS). */
  name: BackendName;
  /** tfjs's own backend name. */
  tfName: string;
  /** Why this backend and not a faster one, when we fell back. */
  note?: string;
}

export function parseBackend(s: string | undefined): BackendPreference {
  if (s === undefined || s === 'auto') return 'auto';
  if (s === 'node' || s === 'wasm' || s === 'cpu') return s;
  throw new UsageError(`unknown backend "${s}"`, 'use --backend node, wasm, cpu or auto');
}
