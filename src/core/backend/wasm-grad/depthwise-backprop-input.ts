import * as tf from '@tensorflow/tfjs';
import { fullCorrelation } from './full-correlation.js';
import { explicitPad, forwardConvInfo, type InputGradArgs } from './geometry.js';
import type { StrideOneConv } from './phased-backprop-input.js';
import { withScope } from './scope.js';
import { heapOffset, nativeKernels } from './native/native-kernels.js';
import { zeroInsert } from './zero-insert.js';

const NAME = 'DepthwiseConv2dNativeBackpropInput';

/**
 * dx of a depthwise convolution. Channel multiplier 1 (MobileNet's): petlab's own SIMD loop
 * (native/kernels.c) scatters each dy pixel through the taps, no zero-spreading or padding.
 * Otherwise: a stride-1 depthwise convolution (XNNPACK) of dy, spread with
 * zeros when the forward pass was strided, with the filter turned 180 degrees. Channel multiplier
 * M > 1: dy's C*M channels are convolved one by one and each group of M summed.
 * (Going phase by phase as Conv2DBackpropInput does measured 2x slower here: a depthwise
 * convolution is cheap next to the transposes that interleave the phases.)
 */
export function depthwiseBackpropInput(args: InputGradArgs): tf.TensorInfo {
  const { dy, filter } = args.inputs;
  const info = forwardConvInfo(NAME, args.attrs.inputShape, filter.shape, dy.shape, args.attrs, true);
  const { inHeight: h, inWidth: w, inChannels: c } = info;
  const m = info.outChannels / c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  if (m === 1) {
    const b = args.backend;
    const dx = b.makeOutput(info.inShape, 'float32');
    const geometry = [
      info.batchSize,
      h,
      w,
      c,
      info.outHeight,
      info.outWidth,
      info.filterHeight,
      info.filterWidth,
      sh,
      sw,
      dh,
      dw,
      info.padInfo.top,
      info.padInfo.left,
    ];
    nativeKernels(b).depthwise_input_grad(heapOffset(b, dy), heapOffset(b, filter), heapOffset(b, dx), ...geometry);
    return dx;
  }

  return withScope(args.backend, (s) => {
    const convolve: StrideOneConv = (src, turned, pads) => {
      const [th, tw] = turned.shape;
      const out = s.run(
        'DepthwiseConv2dNative',
        { x: src, filter: s.reshape(turned, [th, tw, c * m, 1]) },
        {
          strides: [1, 1],
          dilations: [dh, dw],
          pad: explicitPad(pads.top, pads.bottom, pads.left, pads.right),
        },
      );
      if (m === 1) return out;
      const [n, oh, ow] = out.shape;
      return s.run('Sum', { x: s.reshape(out, [n, oh, ow, c, m]) }, { axis: [4], keepDims: false });
    };
    const dyz = zeroInsert(s, dy, sh, sw);
    return fullCorrelation(s, dyz, filter, info, convolve);
  });
}
