import type * as tf from '@tensorflow/tfjs';
import type { StrideOneConv } from './phased-backprop-input.js';
import type { WasmKernelScope } from './scope.js';

/**
 * dx of a convolution as the full correlation of `dy` (already spread with zeros if the forward
 * pass was strided) with the filter turned 180 degrees: pad by (span - forward pad) before, and
 * whatever makes the output H x W after. A negative pad crops dy first; the positive ones are
 * the stride-1 convolution's own zero padding.
 */
export function fullCorrelation(
  s: WasmKernelScope,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  convolve: StrideOneConv,
): tf.TensorInfo {
  const top = (info.filterHeight - 1) * info.dilationHeight - info.padInfo.top;
  const left = (info.filterWidth - 1) * info.dilationWidth - info.padInfo.left;
  const bottom = info.inHeight + info.padInfo.top - dy.shape[1];
  const right = info.inWidth + info.padInfo.left - dy.shape[2];
  const src = s.padOrCrop(dy, [
    [0, 0],
    [Math.min(0, top), Math.min(0, bottom)],
    [Math.min(0, left), Math.min(0, right)],
    [0, 0],
  ]);
  const turned = s.run('Reverse', { x: filter }, { dims: [0, 1] });
  return convolve(src, turned, { top: Math.max(0, top), bottom: Math.max(0, bottom), left: Math.max(0, left), right: Math.max(0, right) });
}
