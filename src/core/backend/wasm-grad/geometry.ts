import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PetlabError } from '../../errors.js';

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dataFormat?: 'NHWC' | 'NCHW';
}

/** What tfjs passes a backprop kernel: dFilter kernels get x and dy, dInput kernels dy and the filter. */
export interface FilterGradArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: BackendWasm;
  attrs: ConvAttrs & { filterShape: number[] };
}
export interface InputGradArgs {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: BackendWasm;
  attrs: ConvAttrs & { inputShape: number[] };
}

/**
 * The forward convolution's geometry (pads, strides, output size) as tfjs computes it, so the
 * gradient kernels agree with the Conv2D/DepthwiseConv2dNative kernels on every padding mode.
 * It must produce dy's shape. With a numeric pad, the rounding mode may be missing from the
 * attributes (tfjs's conv2d gradient drops it), so each rounding is tried and dy decides.
 */
export function forwardConvInfo(kernel: string, xShape: number[], filterShape: number[], dyShape: number[], attrs: ConvAttrs, depthwise: boolean): Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new PetlabError(`${kernel} on wasm supports only NHWC tensors, got dataFormat ${attrs.dataFormat}`, {
      hint: 'use channels-last (NHWC) data, as every petlab model does',
    });
  }
  if (xShape.length !== 4 || filterShape.length !== 4 || dyShape.length !== 4) {
    throw new PetlabError(`${kernel} on wasm needs rank-4 tensors, got input [${xShape}], filter [${filterShape}], dy [${dyShape}]`, {
      hint: 'batch the input as [batch, height, width, channels]',
    });
  }
  const roundings = typeof attrs.pad === 'number' && !attrs.dimRoundingMode ? ([undefined, 'round', 'ceil'] as const) : [attrs.dimRoundingMode];
  let info: Conv2DInfo | undefined;
  for (const rounding of roundings) {
    info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      rounding,
      depthwise,
    );
    if (info.outShape.every((d, i) => d === dyShape[i])) break;
  }
  if (!info || info.outShape.some((d, i) => d !== dyShape[i])) {
    throw new PetlabError(`${kernel}: dy has shape [${dyShape}], the convolution's output is [${info?.outShape}]`, {
      hint: "pass the gradient of this convolution's own output",
    });
  }
  if ((info.strideHeight > 1 || info.strideWidth > 1) && (info.dilationHeight > 1 || info.dilationWidth > 1)) {
    throw new PetlabError(`${kernel}: strides and dilations cannot both be above 1`, { hint: 'use stride 1 with dilation, or dilation 1 with stride' });
  }
  return info;
}

/** Explicit padding in the form the Conv2D kernels take. */
export function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}
