import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;

/**
 * Runs the wasm backend's own kernels from inside another kernel (public tf ops cannot be used
 * there: the engine is mid-kernel) and frees every intermediate it made, like a tiny tf.tidy.
 *
 * Views: `view()` makes a tensor that reads a window of another tensor's heap memory without
 * copying it (the backend registers memory it did not allocate the same way). A view is never
 * returned to the engine and is unregistered, not freed, when the scope ends.
 */
export class WasmKernelScope {
  private readonly owned: TensorInfo[] = [];
  private readonly views: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Run a registered wasm kernel; its output belongs to this scope unless `keep()` is called. */
  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs }) as TensorInfo | TensorInfo[];
    if (Array.isArray(out)) throw new Error(`${kernelName} returned several outputs`);
    this.owned.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** paddings[i] = [before, after]; negative numbers crop instead (XNNPACK wants pads >= 0). */
  padOrCrop(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    let t = x;
    if (paddings.some(([a, b]) => a < 0 || b < 0)) {
      const begin = paddings.map(([a]) => Math.max(0, -a));
      const size = x.shape.map((d, i) => d - begin[i] - Math.max(0, -paddings[i][1]));
      t = this.run('Slice', { x: t }, { begin, size });
    }
    if (paddings.some(([a, b]) => a > 0 || b > 0)) {
      const pads = paddings.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
      t = this.run('PadV2', { x: t }, { paddings: pads, constantValue: 0 });
    }
    return t;
  }

  /** 2-D matrix product a[m,k] @ b[k,n] through XNNPACK (only the untransposed case is fast there). */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    const [m, k] = a.shape;
    const n = b.shape[1];
    const a3 = this.reshape(a, [1, m, k]);
    const b3 = this.reshape(b, [1, k, n]);
    const out = this.run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false });
    return this.reshape(out, [m, n]);
  }

  /** A new float32 tensor owned by this scope, for a kernel of our own to write. */
  output(shape: number[]): TensorInfo {
    const t = this.backend.makeOutput(shape, 'float32');
    this.owned.push(t);
    return t;
  }

  /** A float32 scalar, e.g. a scale factor for Multiply. */
  scalar(value: number): TensorInfo {
    const t = this.backend.makeOutput([], 'float32', undefined, Float32Array.of(value));
    this.owned.push(t);
    return t;
  }

  /**
   * A tensor of `shape` starting `offset` elements into `base`'s memory, sharing it. Only for
   * reading, only inside this scope, and `base` must outlive the scope (it does if it is an input
   * or owned here: views are released before owned tensors).
   */
  view(base: TensorInfo, offset: number, shape: number[]): TensorInfo {
    const size = tf.util.sizeFromShape(shape);
    const baseSize = tf.util.sizeFromShape(base.shape);
    if (base.dtype !== 'float32' || offset < 0 || offset + size > baseSize) {
      throw new Error(`view [${offset}, ${offset + size}) is outside a tensor of ${baseSize} elements`);
    }
    const start = this.backend.dataIdMap.get(base.dataId).memoryOffset + offset * 4;
    const v = this.backend.makeOutput(shape, 'float32', start);
    this.views.push(v);
    return v;
  }

  /** Take `t` out of the scope: the caller (the engine) now owns it. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.owned.lastIndexOf(t);
    if (i < 0) throw new Error('keep() of a tensor this scope does not own');
    if (this.views.some((v) => v.dataId === t.dataId)) throw new Error('keep() of a view: copy it first');
    this.owned.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const v of this.views.splice(0)) {
      const data = this.backend.dataIdMap.get(v.dataId);
      if (!data) continue;
      // Unregister without free(): the memory belongs to the viewed tensor.
      this.backend.wasm.tfjs.disposeData(data.id);
      this.backend.dataIdMap.delete(v.dataId);
    }
    for (const t of this.owned.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/** Run `body` in a scope; everything it made is freed except the tensor it returns. */
export function withScope(backend: BackendWasm, body: (s: WasmKernelScope) => TensorInfo): TensorInfo {
  const s = new WasmKernelScope(backend);
  try {
    const out = body(s);
    return s.keep(out);
  } finally {
    s.dispose();
  }
}
