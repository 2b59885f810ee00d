import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** kernels.c's exports; pointers are byte offsets in tfjs's wasm memory. */
export interface NativeKernels {
  relu6_grad(dy: number, x: number, out: number, n: number): void;
  depthwise_filter_grad(x: number, dy: number, df: number, ...geometry: number[]): void;
  depthwise_input_grad(dy: number, f: number, dx: number, ...geometry: number[]): void;
  gemm_strided(a: number, sam: number, sak: number, b: number, ldb: number, c: number, m: number, n: number, k: number): void;
}

/** The part of the WebAssembly global used here (tsconfig's lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
const instances = new WeakMap<BackendWasm, NativeKernels>();

/**
 * petlab's own SIMD kernels (kernels.c), instantiated on the wasm backend's own memory so they
 * read and write tensors in place: no copies in or out. One instance per backend.
 */
export function nativeKernels(backend: BackendWasm): NativeKernels {
  let k = instances.get(backend);
  if (k) return k;
  const memory = (backend.wasm as unknown as { asm: { memory: object } }).asm.memory;
  compiled ??= new WA.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  k = new WA.Instance(compiled, { env: { memory } }).exports as unknown as NativeKernels;
  instances.set(backend, k);
  return k;
}

/** Byte offset of a float32 tensor's data in the backend's memory. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
