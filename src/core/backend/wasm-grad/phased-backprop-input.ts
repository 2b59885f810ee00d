import type * as tf from '@tensorflow/tfjs';
import type { WasmKernelScope } from './scope.js';

/** A stride-1 convolution of `src` with `taps` [kh', kw', ...] and explicit pads (all >= 0). */
export type StrideOneConv = (src: tf.TensorInfo, taps: tf.TensorInfo, pads: { top: number; bottom: number; left: number; right: number }) => tf.TensorInfo;

/**
 * dx of a strided convolution (dilation 1) without spreading dy with zeros, which would make
 * the convolution do sh*sw times the work: input pixel h = sh*q + a only receives filter taps
 * i = (a + top) mod sh, then every sh-th, so each output phase (a, b) is a stride-1 convolution
 * of dy with those taps turned 180 degrees. The sh*sw phase results are then interleaved by two
 * rank-4 transposes.
 *
 * `filter` is the forward filter [kh, kw, ...]; `conv` does the kind-specific convolution and
 * must return [N, ceil(H/sh), ceil(W/sw), C].
 */
export function phasedBackpropInput(
  s: WasmKernelScope,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  conv: StrideOneConv,
): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const qMax = Math.ceil(h / sh);
  const rMax = Math.ceil(w / sw);

  // Along one axis, for output phase a: first tap, tap count, and the dy padding before.
  const axis = (a: number, pad: number, stride: number, k: number, dyLen: number, outLen: number) => {
    const first = (a + pad) % stride;
    const count = first < k ? Math.ceil((k - first) / stride) : 0;
    const before = count - 1 - (a + pad - first) / stride;
    return { first, count, before, after: outLen - dyLen - before + count - 1 };
  };

  const phases: tf.TensorInfo[] = [];
  for (let a = 0; a < sh; a++) {
    for (let b = 0; b < sw; b++) {
      const rows = axis(a, top, sh, kh, ho, qMax);
      const cols = axis(b, left, sw, kw, wo, rMax);
      if (rows.count === 0 || cols.count === 0) {
        phases.push(s.run('Fill', {}, { shape: [n, qMax, rMax, c], value: 0, dtype: 'float32' }));
        continue;
      }
      const rank = filter.shape.length;
      const taps = s.run(
        'StridedSlice',
        { x: filter },
        {
          begin: [rows.first, cols.first, ...new Array<number>(rank - 2).fill(0)],
          end: filter.shape,
          strides: [sh, sw, ...new Array<number>(rank - 2).fill(1)],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      );
      const turned = s.run('Reverse', { x: taps }, { dims: [0, 1] });
      const src = s.padOrCrop(dy, [
        [0, 0],
        [Math.min(0, rows.before), Math.min(0, rows.after)],
        [Math.min(0, cols.before), Math.min(0, cols.after)],
        [0, 0],
      ]);
      phases.push(
        conv(src, turned, {
          top: Math.max(0, rows.before),
          bottom: Math.max(0, rows.after),
          left: Math.max(0, cols.before),
          right: Math.max(0, cols.after),
        }),
      );
    }
  }
  // [a, b, N, Q, R, C] -> [N, Q, a, R, b, C] = [N, Q*sh, R*sw, C], then drop the overhang.
  const all = phases.length === 1 ? phases[0] : s.run('Concat', phases as unknown as tf.NamedTensorInfoMap, { axis: 0 });
  const bInner = s.transpose(s.reshape(all, [sh, sw, n * qMax * rMax, c]), [0, 2, 1, 3]);
  const aInner = s.transpose(s.reshape(bInner, [sh, n * qMax, rMax * sw * c]), [1, 0, 2]);
  const dx = s.reshape(aInner, [n, qMax * sh, rMax * sw, c]);
  return s.padOrCrop(dx, [
    [0, 0],
    [0, h - qMax * sh],
    [0, w - rMax * sw],
    [0, 0],
  ]);
}
