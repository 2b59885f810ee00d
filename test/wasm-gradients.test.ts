import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { makeRng, type Rng } from '../src/core/random.js';
import { on, randomArray, relativeError, TOLERANCE, type Pad, type Shape4 } from './helpers/wasm-grad-support.js';

/**
 * The wasm backend's conv gradient kernels against the cpu backend's own gradients, on random
 * data over strides, paddings, kernel sizes, batch sizes and channel multipliers.
 */

const PADS: Pad[] = [
  'same',
  'valid',
  1,
  [
    [0, 0],
    [2, 0],
    [1, 2],
    [0, 0],
  ],
];

before(async () => {
  await initBackend('wasm');
});

function outputShape(kind: 'conv' | 'depthwise', x: Shape4, f: Shape4, stride: number | [number, number], pad: Pad, dilation = 1): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(x, f, stride, dilation, pad, undefined, kind === 'depthwise');
  return info.outShape;
}

interface GradCase {
  kind: 'conv' | 'depthwise';
  x: Shape4;
  f: Shape4;
  stride: number | [number, number];
  pad: Pad;
}

/** dx and dFilter of sum(conv(x, f) * upstream), on one backend, as plain arrays. */
function convGrads(c: GradCase, xv: Float32Array, fv: Float32Array, up: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const f = tf.tensor4d(fv, c.f);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => (c.kind === 'conv' ? tf.conv2d(a, b, c.stride, c.pad) : tf.depthwiseConv2d(a, b, c.stride, c.pad));
    const upstream = tf.tensor4d(up, outputShape(c.kind, c.x, c.f, c.stride, c.pad));
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), upstream)));
    return grads([x, f]).map((g) => g.dataSync() as Float32Array);
  });
}

async function compareWithCpu(c: GradCase, rng: Rng): Promise<void> {
  const xv = randomArray(rng, tf.util.sizeFromShape(c.x));
  const fv = randomArray(rng, tf.util.sizeFromShape(c.f));
  const up = randomArray(rng, tf.util.sizeFromShape(outputShape(c.kind, c.x, c.f, c.stride, c.pad)));
  const [dxCpu, dfCpu] = await on('cpu', () => convGrads(c, xv, fv, up));
  const [dxWasm, dfWasm] = await on('wasm', () => convGrads(c, xv, fv, up));
  const label = `${c.kind} x=[${c.x}] f=[${c.f}] stride=${c.stride} pad=${JSON.stringify(c.pad)}`;
  const ex = relativeError(dxWasm, dxCpu);
  const ef = relativeError(dfWasm, dfCpu);
  assert.ok(ex < TOLERANCE, `${label}: dx relative error ${ex}`);
  assert.ok(ef < TOLERANCE, `${label}: dFilter relative error ${ef}`);
}

/** Every kernel size x stride x padding x batch combination, with random sizes and channels. */
function grid(kind: 'conv' | 'depthwise', seed: number): GradCase[] {
  const rng = makeRng(seed);
  const pick = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const cases: GradCase[] = [];
  let i = 0;
  for (const k of [1, 3, 5]) {
    for (const stride of [1, 2]) {
      for (const pad of PADS) {
        for (const batch of [1, pick(2, 3)]) {
          const h = pick(k + 1, 11);
          const w = pick(k + 1, 11);
          const cin = pick(1, 6);
          // Both orders of (in, out) channels: the 1x1 path orders its matrix product by the wider.
          const other = i % 2 === 0 ? pick(1, cin) : pick(cin, 7);
          const f: Shape4 = kind === 'conv' ? [k, k, cin, other] : [k, k, cin, (i % 2) + 1];
          cases.push({ kind, x: [batch, h, w, cin], f, stride, pad });
          i++;
        }
      }
    }
  }
  return cases;
}

test('Conv2D gradients (dx and dFilter) on wasm match the cpu backend', async () => {
  const rng = makeRng(11);
  for (const c of grid('conv', 1)) await compareWithCpu(c, rng);
});

test('DepthwiseConv2dNative gradients (dx and dFilter, channel multiplier 1 and 2) on wasm match cpu', async () => {
  const rng = makeRng(12);
  for (const c of grid('depthwise', 2)) await compareWithCpu(c, rng);
});

test('MobileNet-sized layers: 1x1 expand/project (long pixel runs in chunks), depthwise 3x3 stride 1 and 2', async () => {
  const rng = makeRng(13);
  const cases: GradCase[] = [
    { kind: 'conv', x: [8, 7, 7, 48], f: [1, 1, 48, 96], stride: 1, pad: 'same' },
    { kind: 'conv', x: [8, 7, 7, 96], f: [1, 1, 96, 40], stride: 1, pad: 'same' },
    { kind: 'conv', x: [13, 14, 14, 24], f: [1, 1, 24, 40], stride: 1, pad: 'same' },
    { kind: 'conv', x: [11, 14, 15, 40], f: [1, 1, 40, 16], stride: 1, pad: 'valid' },
    // > 1568 pixels with sizes off the 4x8 tiles of the native product: edge rows and columns
    { kind: 'conv', x: [9, 14, 14, 13], f: [1, 1, 13, 21], stride: 1, pad: 'same' },
    { kind: 'conv', x: [9, 28, 27, 13], f: [1, 1, 13, 21], stride: 2, pad: 'valid' },
    { kind: 'conv', x: [8, 16, 16, 3], f: [3, 3, 3, 16], stride: 2, pad: 'same' },
    { kind: 'depthwise', x: [8, 14, 14, 48], f: [3, 3, 48, 1], stride: 1, pad: 'same' },
    { kind: 'depthwise', x: [8, 14, 14, 48], f: [3, 3, 48, 1], stride: 2, pad: 'same' },
  ];
  for (const c of cases) await compareWithCpu(c, rng);
});

test('edge geometry: filter larger than the image, 1x1 images, stride 3, unequal strides, pads beyond the filter', async () => {
  const rng = makeRng(20);
  const shapes: Array<Omit<GradCase, 'kind' | 'f'> & { k: number }> = [
    { x: [2, 3, 3, 2], k: 5, stride: 1, pad: 'same' },
    { x: [2, 3, 4, 2], k: 5, stride: 2, pad: 'same' },
    { x: [1, 1, 1, 3], k: 3, stride: 1, pad: 'same' },
    { x: [1, 2, 2, 3], k: 3, stride: 2, pad: 'same' },
    { x: [3, 6, 5, 2], k: 3, stride: 3, pad: 'same' },
    { x: [2, 7, 7, 3], k: 3, stride: [2, 1], pad: 'valid' },
    {
      x: [2, 5, 5, 2],
      k: 3,
      stride: 2,
      pad: [
        [0, 0],
        [3, 3],
        [3, 3],
        [0, 0],
      ],
    },
    {
      x: [1, 4, 4, 2],
      k: 1,
      stride: 1,
      pad: [
        [0, 0],
        [2, 0],
        [0, 2],
        [0, 0],
      ],
    },
    { x: [1, 9, 9, 2], k: 2, stride: 2, pad: 'same' },
    { x: [1, 9, 9, 2], k: 4, stride: 1, pad: 'same' },
  ];
  for (const { k, ...c } of shapes) {
    const cin = c.x[3];
    await compareWithCpu({ kind: 'conv', f: [k, k, cin, 3], ...c }, rng);
    await compareWithCpu({ kind: 'depthwise', f: [k, k, cin, 2], ...c }, rng);
  }
});

/** Insert (d - 1) zeros between filter taps: a dilated filter as an ordinary one. */
function dilateFilter(fv: Float32Array, f: Shape4, d: number): { values: Float32Array; shape: Shape4 } {
  const [kh, kw, c, m] = f;
  const shape: Shape4 = [(kh - 1) * d + 1, (kw - 1) * d + 1, c, m];
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) for (let q = 0; q < c * m; q++) values[(i * d * shape[1] + j * d) * c * m + q] = fv[(i * kw + j) * c * m + q];
  return { values, shape };
}

test('depthwise gradient kernels with dilation 2 (stride 1) match cpu on the equivalent zero-dilated filter', async () => {
  // tf.grad refuses dilated convs and cpu's backprop kernels ignore dilation, so the reference is
  // cpu's gradient through the same filter with its taps spread out by hand.
  const rng = makeRng(14);
  const d = 2;
  for (const k of [3, 5]) {
    for (const pad of PADS) {
      for (const [batch, m] of [
        [1, 1],
        [2, 2],
      ]) {
        const x: Shape4 = [batch, 12, 11, 3];
        const f: Shape4 = [k, k, 3, m];
        const xv = randomArray(rng, tf.util.sizeFromShape(x));
        const fv = randomArray(rng, tf.util.sizeFromShape(f));
        const dil = dilateFilter(fv, f, d);
        const yShape = outputShape('depthwise', x, f, 1, pad, d);
        assert.deepEqual(yShape, outputShape('depthwise', x, dil.shape, 1, pad));
        const up = randomArray(rng, tf.util.sizeFromShape(yShape));
        const [dxCpu, dfDil] = await on('cpu', () => convGrads({ kind: 'depthwise', x, f: dil.shape, stride: 1, pad }, xv, dil.values, up));
        const dfCpu = dilateFilter(new Float32Array(tf.util.sizeFromShape(f)), f, 1).values;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) for (let q = 0; q < 3 * m; q++) dfCpu[(i * k + j) * 3 * m + q] = dfDil[(i * d * dil.shape[1] + j * d) * 3 * m + q];
        const [dxWasm, dfWasm] = await on('wasm', () =>
          tf.tidy(() => {
            const dy = tf.tensor4d(up, yShape);
            const attrs = { strides: 1, pad, dilations: d };
            const dx = tf
              .engine()
              .runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(fv, f) }, { ...attrs, inputShape: x }) as tf.Tensor;
            const df = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor4d(xv, x), dy }, { ...attrs, filterShape: f }) as tf.Tensor;
            return [dx.dataSync() as Float32Array, df.dataSync() as Float32Array];
          }),
        );
        const label = `k=${k} pad=${JSON.stringify(pad)} batch=${batch} multiplier=${m}`;
        assert.ok(relativeError(dxWasm, dxCpu) < TOLERANCE, `${label}: dx ${relativeError(dxWasm, dxCpu)}`);
        assert.ok(relativeError(dfWasm, dfCpu) < TOLERANCE, `${label}: dFilter ${relativeError(dfWasm, dfCpu)}`);
      }
    }
  }
});

test("a numeric pad whose rounding tfjs's conv2d gradient drops is recovered from dy's shape", async () => {
  // conv2d(x, f, 2, 1, 'NHWC', 1, 'ceil') on 8x8 has a 5x5 output, but tfjs passes the gradient
  // kernels pad 1 without 'ceil' (floor: 4x4). The same forward pass is pad [[1, 2], [1, 2]].
  const rng = makeRng(19);
  const x: Shape4 = [2, 8, 8, 3];
  const f: Shape4 = [3, 3, 3, 4];
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [1, 2],
    [1, 2],
    [0, 0],
  ];
  const xv = randomArray(rng, tf.util.sizeFromShape(x));
  const fv = randomArray(rng, tf.util.sizeFromShape(f));
  const up = randomArray(rng, 2 * 5 * 5 * 4);
  const [dxCpu, dfCpu] = await on('cpu', () => convGrads({ kind: 'conv', x, f, stride: 2, pad: explicit }, xv, fv, up));
  const [dxWasm, dfWasm] = await on('wasm', () =>
    tf.tidy(() => {
      const dy = tf.tensor4d(up, [2, 5, 5, 4]);
      const attrs = { strides: 2, pad: 1, dataFormat: 'NHWC' };
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: tf.tensor4d(fv, f) }, { ...attrs, inputShape: x }) as tf.Tensor;
      const df = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xv, x), dy }, { ...attrs, filterShape: f }) as tf.Tensor;
      return [dx.dataSync() as Float32Array, df.dataSync() as Float32Array];
    }),
  );
  assert.ok(relativeError(dxWasm, dxCpu) < TOLERANCE, `dx ${relativeError(dxWasm, dxCpu)}`);
  assert.ok(relativeError(dfWasm, dfCpu) < TOLERANCE, `dFilter ${relativeError(dfWasm, dfCpu)}`);
});
