import * as tf from '@tensorflow/tfjs';
import { forwardConvInfo, type FilterGradArgs } from './geometry.js';
import { withScope } from './scope.js';
import { heapOffset, nativeKernels } from './native/native-kernels.js';

const NAME = 'DepthwiseConv2dNativeBackpropFilter';

/**
 * dFilter of a depthwise convolution. Channel multiplier 1 (MobileNet's): petlab's own SIMD loop
 * (native/kernels.c), one pass over dy, ~20x faster than the tap-by-tap XNNPACK route below,
 * which stays for multipliers > 1.
 *
 * Tap by tap:
 *   dF[i,j,c,m] = sum over (n, ho, wo) of x[n, ho*sh + i*dh - top, wo*sw + j*dw - left, c] * dy[n, ho, wo, c*M + m].
 *
 * x is zero-padded and dy laid out on the same row pitch, both flattened to [rows, channels], so
 * a tap's shifted x is a view of the padded x at a row offset (no copy). Each tap is then one
 * XNNPACK multiply and one global average pool (the cheapest full reduction the wasm backend
 * has; scaled back to a sum at the end). Strided convolutions first split x into its stride
 * phases (transposes) so that every tap still reads a contiguous window.
 */
export function depthwiseBackpropFilter(args: FilterGradArgs): tf.TensorInfo {
  const { x, dy } = args.inputs;
  const { filterShape } = args.attrs;
  const info = forwardConvInfo(NAME, x.shape, filterShape, dy.shape, args.attrs, true);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  const cm = info.outChannels;
  const m = cm / c;
  if (m === 1) {
    const b = args.backend;
    const df = b.makeOutput([kh, kw, c, 1], 'float32');
    const geometry = [n, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, info.padInfo.top, info.padInfo.left];
    nativeKernels(b).depthwise_filter_grad(heapOffset(b, x), heapOffset(b, dy), heapOffset(b, df), ...geometry);
    return df;
  }
  // Rows/columns per stride phase that the taps reach, and the padded x they come from.
  const hq = ho + Math.floor(((kh - 1) * dh) / sh);
  const wq = wo + Math.floor(((kw - 1) * dw) / sw);
  const hp = hq * sh;
  const wp = wq * sw;
  const phaseRows = n * hq * wq;
  // dy rows that matter: up to the last real pixel of the last image.
  const rows = ((n - 1) * hq + ho - 1) * wq + wo;

  return withScope(args.backend, (s) => {
    const { top, left } = info.padInfo;
    const xp = s.padOrCrop(x, [
      [0, 0],
      [top, hp - top - h],
      [left, wp - left - w],
      [0, 0],
    ]);
    // [N, Hp, Wp, C] -> stride phases [sh, sw, N, Hq, Wq, C], flattened to rows of C. Two rank-4
    // transposes: the wasm Transpose of rank > 4 is a slow generic loop (~100x slower).
    let phased = xp;
    if (sh > 1) phased = s.transpose(s.reshape(phased, [n * hq, sh, wp, c]), [1, 0, 2, 3]);
    if (sw > 1) phased = s.transpose(s.reshape(phased, [sh, n * hq * wq, sw, c]), [0, 2, 1, 3]);
    const xRows = s.reshape(phased, [sh * sw * phaseRows, c]);
    const dyp = s.padOrCrop(dy, [
      [0, 0],
      [0, hq - ho],
      [0, wq - wo],
      [0, 0],
    ]);
    const dyRows = s.reshape(dyp, [phaseRows, cm]);
    const dyUsed = rows === phaseRows ? dyRows : s.view(dyRows, 0, [rows, cm]);
    const dyTerm = m === 1 ? dyUsed : s.reshape(dyUsed, [rows, c, m]);

    const taps: tf.TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const phase = ((i * dh) % sh) * sw + ((j * dw) % sw);
        const start = phase * phaseRows + Math.floor((i * dh) / sh) * wq + Math.floor((j * dw) / sw);
        const xTap = s.view(xRows, start * c, m === 1 ? [rows, c] : [rows, c, 1]);
        const prod = s.run('Multiply', { a: xTap, b: dyTerm });
        const asImage = s.reshape(prod, [1, rows, 1, cm]);
        const mean = s.run('AvgPool', { x: asImage }, { filterSize: [rows, 1], strides: [1, 1], pad: 'valid' });
        taps.push(s.reshape(mean, [1, cm]));
      }
    }
    const stacked = taps.length === 1 ? taps[0] : s.run('Concat', taps as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    const sums = s.run('Multiply', { a: stacked, b: s.scalar(rows) });
    return s.reshape(sums, [kh, kw, c, m]);
  });
}
