import * as tf from '@tensorflow/tfjs';
import { explicitPad, forwardConvInfo, type FilterGradArgs } from './geometry.js';
import { withScope, type WasmKernelScope } from './scope.js';
import { heapOffset, nativeKernels, wasmFmaEnabled } from './native/native-kernels.js';

const NAME = 'Conv2DBackpropFilter';
/** Pixels per matrix-product chunk in the 1x1 case (a 7x7 map at batch 32). */
const CHUNK_PIXELS = 1568;

/**
 * dFilter of a regular convolution.
 * - 1x1 filter, no padding: one XNNPACK matrix product x^T dy over [N*Ho*Wo, C] (x first
 *   subsampled when strided).
 * - otherwise: a forward XNNPACK convolution with the roles of batch and channels swapped:
 *   input x as [Ci, H, W, N], filter dy as [Ho, Wo, N, Co], the forward stride as dilation;
 *   its output [Ci, kh, kw, Co] is the filter gradient, transposed.
 */
export function conv2dBackpropFilter(args: FilterGradArgs): tf.TensorInfo {
  const { x, dy } = args.inputs;
  const { filterShape } = args.attrs;
  const info = forwardConvInfo(NAME, x.shape, filterShape, dy.shape, { ...args.attrs, dilations: 1 }, false);
  const { top, bottom, left, right } = info.padInfo;
  const pointwise = info.filterHeight === 1 && info.filterWidth === 1 && top === 0 && bottom === 0 && left === 0 && right === 0;
  return withScope(args.backend, (s) => (pointwise ? pointwiseFilterGrad(s, x, dy, info) : swappedRolesFilterGrad(s, x, dy, info)));
}

function pointwiseFilterGrad(s: WasmKernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: n, outHeight: ho, outWidth: wo, inChannels: ci, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  const pixels = n * ho * wo;
  let xs = x;
  if (sh > 1 || sw > 1 || info.inHeight !== ho || info.inWidth !== wo) {
    xs = s.run(
      'StridedSlice',
      { x },
      {
        begin: [0, 0, 0, 0],
        end: [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, ci],
        strides: [1, sh, sw, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      },
    );
  }
  if (pixels > CHUNK_PIXELS || (co >= 8 && ci >= 4 && wasmFmaEnabled())) {
    // Long pixel runs (14x14 at batch 32), or any run with the FMA build (~1.3x XNNPACK): x^T dy
    // by petlab's own strided matrix product (native/kernels.c), reading x transposed in place:
    // ~1.3x faster than the chunks below even without FMA.
    const dw = s.output([1, 1, ci, co]);
    const b = s.backend;
    nativeKernels(b).gemm_strided(heapOffset(b, xs), 1, ci, heapOffset(b, dy), co, heapOffset(b, dw), ci, co, pixels);
    return dw;
  }
  const x2 = s.reshape(xs, [pixels, ci]);
  const dy2 = s.reshape(dy, [pixels, co]);
  // XNNPACK repacks the right-hand matrix on every call, which costs more per element than a
  // transpose: keep the narrower of x and dy on the right, transpose the wider one. Long pixel
  // runs go in chunks (views, no copies) whose transposes and packing stay in cache: ~1.5x
  // faster at 14x14, batch 32.
  const chunks = Math.ceil(pixels / CHUNK_PIXELS);
  let dw: tf.TensorInfo | undefined;
  for (let c = 0; c < chunks; c++) {
    const start = Math.floor((c * pixels) / chunks);
    const rows = Math.floor(((c + 1) * pixels) / chunks) - start;
    const xc = chunks === 1 ? x2 : s.view(x2, start * ci, [rows, ci]);
    const dyc = chunks === 1 ? dy2 : s.view(dy2, start * co, [rows, co]);
    // ci >= co: x^T dy -> [ci, co]; else dy^T x -> [co, ci], transposed once at the end.
    const part = ci >= co ? s.matMul(s.transpose(xc, [1, 0]), dyc) : s.matMul(s.transpose(dyc, [1, 0]), xc);
    dw = dw === undefined ? part : s.run('Add', { a: dw, b: part });
  }
  if (ci < co) dw = s.transpose(dw!, [1, 0]);
  return s.reshape(dw!, [1, 1, ci, co]);
}

function swappedRolesFilterGrad(s: WasmKernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inHeight: h, inWidth: w, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  const { top, left } = info.padInfo;
  // Pad after so that the output is exactly kh x kw; x rows/columns past that are never read.
  const bottom = kh - 1 + (ho - 1) * sh + 1 - h - top;
  const right = kw - 1 + (wo - 1) * sw + 1 - w - left;
  const xc = s.padOrCrop(x, [
    [0, 0],
    [0, Math.min(0, bottom)],
    [0, Math.min(0, right)],
    [0, 0],
  ]);
  const xT = s.transpose(xc, [3, 1, 2, 0]);
  const dyT = s.transpose(dy, [1, 2, 0, 3]);
  const out = s.run(
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: explicitPad(top, Math.max(0, bottom), left, Math.max(0, right)),
      dataFormat: 'NHWC',
    },
  );
  return s.transpose(out, [1, 2, 0, 3]);
}
