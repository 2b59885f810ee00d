import * as tf from '@tensorflow/tfjs';
import { fullCorrelation } from './full-correlation.js';
import { explicitPad, forwardConvInfo, type InputGradArgs } from './geometry.js';
import { phasedBackpropInput, type StrideOneConv } from './phased-backprop-input.js';
import { withScope } from './scope.js';
import { zeroInsert } from './zero-insert.js';
import { heapOffset, nativeKernels, wasmFmaEnabled } from './native/native-kernels.js';

const NAME = 'Conv2DBackpropInput';

/**
 * dx of a regular convolution (replaces the wasm backend's scalar C++ loop, which is ~10x
 * slower than XNNPACK on MobileNet shapes).
 * - 1x1 filter, no padding: one matrix product dy @ W^T, spread with zeros if strided; by
 *   petlab's own FMA GEMM where relaxed SIMD runs (~1.3x XNNPACK), else XNNPACK's.
 * - otherwise: a stride-1 XNNPACK convolution of dy with the filter turned 180 degrees and its
 *   in/out channels swapped; strided forward passes go phase by phase (phased-backprop-input.ts).
 */
export function conv2dBackpropInput(args: InputGradArgs): tf.TensorInfo {
  const { dy, filter } = args.inputs;
  const info = forwardConvInfo(NAME, args.attrs.inputShape, filter.shape, dy.shape, { ...args.attrs, dilations: 1 }, false);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: ho, outWidth: wo, outChannels: co } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  const pad = info.padInfo;

  return withScope(args.backend, (s) => {
    if (kh === 1 && kw === 1 && pad.top === 0 && pad.bottom === 0 && pad.left === 0 && pad.right === 0) {
      const wT = s.transpose(s.reshape(filter, [ci, co]), [1, 0]);
      let dxs: tf.TensorInfo;
      // under 8 columns the GEMM's 4x8 tiles never apply: XNNPACK
      if (ci >= 8 && wasmFmaEnabled()) {
        const b = s.backend;
        dxs = s.output([n, ho, wo, ci]);
        nativeKernels(b).gemm_strided(heapOffset(b, dy), co, 1, heapOffset(b, wT), ci, heapOffset(b, dxs), n * ho * wo, ci, co);
      } else dxs = s.reshape(s.matMul(s.reshape(dy, [n * ho * wo, co]), wT), [n, ho, wo, ci]);
      if (sh === 1 && sw === 1 && ho === h && wo === w) return dxs;
      // Strided: pixels the filter never saw get zero gradient.
      const spread = zeroInsert(s, dxs, sh, sw);
      return s.padOrCrop(spread, [
        [0, 0],
        [0, h - ho * sh],
        [0, w - wo * sw],
        [0, 0],
      ]);
    }
    const convolve: StrideOneConv = (src, turned, pads) =>
      s.run(
        'Conv2D',
        { x: src, filter: s.transpose(turned, [0, 1, 3, 2]) },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: explicitPad(pads.top, pads.bottom, pads.left, pads.right),
          dataFormat: 'NHWC',
        },
      );
    if (sh > 1 || sw > 1) return phasedBackpropInput(s, dy, filter, info, convolve);
    return fullCorrelation(s, dy, filter, info, convolve);
  });
}
