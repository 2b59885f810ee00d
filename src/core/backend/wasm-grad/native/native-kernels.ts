import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import v8 from 'node:v8';
import { KERNELS_FMA_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** kernels.c's exports; pointers are byte offsets in tfjs's wasm memory. */
export interface NativeKernels {
  relu6_grad(dy: number, x: number, out: number, n: number): void;
  /** out = dy where 0 < y < hi (relu: hi = Infinity, relu6: 6), from the activation's output y */
  act_grad_from_output(dy: number, y: number, out: number, n: number, hi: number): void;
  depthwise_filter_grad(x: number, dy: number, df: number, ...geometry: number[]): void;
  depthwise_input_grad(dy: number, f: number, dx: number, ...geometry: number[]): void;
  gemm_strided(a: number, sam: number, sak: number, b: number, ldb: number, c: number, m: number, n: number, k: number): void;
  /** c = act(A @ b + bias) in one pass over c; bias 0: none */
  gemm_bias_act(a: number, sam: number, sak: number, b: number, ldb: number, c: number, m: number, n: number, k: number, bias: number, act: number): void;
  /** one AdamW step of n floats into wo, mo, vo (train/adamw.ts's ops, the same bits) */
  adamw_step(w: number, m: number, v: number, g: number, wo: number, mo: number, vo: number, n: number, ...scalars: number[]): void;
}

/** The part of the WebAssembly global used here (tsconfig's lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
let fma: boolean | undefined;

/**
 * Whether the kernels run the relaxed-SIMD FMA build (~1.5x on the matrix products): V8 11.3
 * (Node 20) has relaxed SIMD behind a flag, set here before anything is compiled (it only
 * widens what validates); where the engine still rejects it, the plain SIMD build runs.
 * PETLAB_WASM_FMA=0 forces the plain build.
 */
export function wasmFmaEnabled(): boolean {
  if (fma !== undefined) return fma;
  if (process.env.PETLAB_WASM_FMA === '0') return (fma = false);
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return (fma = WA.validate(Buffer.from(KERNELS_FMA_WASM_BASE64, 'base64')));
}
const instances = new WeakMap<BackendWasm, NativeKernels>();

/**
 * petlab's own SIMD kernels (kernels.c), instantiated on the wasm backend's own memory so they
 * read and write tensors in place: no copies in or out. One instance per backend.
 */
export function nativeKernels(backend: BackendWasm): NativeKernels {
  let k = instances.get(backend);
  if (k) return k;
  const memory = (backend.wasm as unknown as { asm: { memory: object } }).asm.memory;
  compiled ??= new WA.Module(Buffer.from(wasmFmaEnabled() ? KERNELS_FMA_WASM_BASE64 : KERNELS_WASM_BASE64, 'base64'));
  k = new WA.Instance(compiled, { env: { memory } }).exports as unknown as NativeKernels;
  instances.set(backend, k);
  return k;
}

/** Byte offset of a float32 tensor's data in the backend's memory. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
