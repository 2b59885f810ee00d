import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/core/backend/select.js';
import { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from '../src/core/backend/wasm-gradients.js';
import { relu6 } from '../src/core/backend/wasm-grad/relu6.js';
import { isPetlabError } from '../src/core/errors.js';
import { makeRng, type Rng } from '../src/core/random.js';

/**
 * The wasm backend's conv gradient kernels against the cpu backend's own gradients, on random
 * data over strides, paddings, kernel sizes, batch sizes and channel multipliers.
 */

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];
const PADS: Pad[] = ['same', 'valid', 1, [[0, 0], [2, 0], [1, 2], [0, 0]]];
const TOLERANCE = 1e-4;

before(async () => {
  await initBackend('wasm');
});

function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng() * 2 - 1;
  return a;
}

/** max |a - b| / max(1, max |b|): relative to the reference's magnitude, absolute near zero. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of elements');
  let diff = 0;
  let mag = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return Number.isFinite(diff) ? diff / Math.max(1, mag) : Infinity;
}

async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

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
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) =>
      c.kind === 'conv' ? tf.conv2d(a, b, c.stride, c.pad) : tf.depthwiseConv2d(a, b, c.stride, c.pad);
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
    { x: [2, 5, 5, 2], k: 3, stride: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
    { x: [1, 4, 4, 2], k: 1, stride: 1, pad: [[0, 0], [2, 0], [0, 2], [0, 0]] },
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
    for (let j = 0; j < kw; j++)
      for (let q = 0; q < c * m; q++) values[((i * d) * shape[1] + j * d) * c * m + q] = fv[(i * kw + j) * c * m + q];
  return { values, shape };
}

test('depthwise gradient kernels with dilation 2 (stride 1) match cpu on the equivalent zero-dilated filter', async () => {
  // tf.grad refuses dilated convs and cpu's backprop kernels ignore dilation, so the reference is
  // cpu's gradient through the same filter with its taps spread out by hand.
  const rng = makeRng(14);
  const d = 2;
  for (const k of [3, 5]) {
    for (const pad of PADS) {
      for (const [batch, m] of [[1, 1], [2, 2]]) {
        const x: Shape4 = [batch, 12, 11, 3];
        const f: Shape4 = [k, k, 3, m];
        const xv = randomArray(rng, tf.util.sizeFromShape(x));
        const fv = randomArray(rng, tf.util.sizeFromShape(f));
        const dil = dilateFilter(fv, f, d);
        const yShape = outputShape('depthwise', x, f, 1, pad, d);
        assert.deepEqual(yShape, outputShape('depthwise', x, dil.shape, 1, pad));
        const up = randomArray(rng, tf.util.sizeFromShape(yShape));
        const [dxCpu, dfDil] = await on('cpu', () =>
          convGrads({ kind: 'depthwise', x, f: dil.shape, stride: 1, pad }, xv, dil.values, up),
        );
        const dfCpu = dilateFilter(new Float32Array(tf.util.sizeFromShape(f)), f, 1).values;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let q = 0; q < 3 * m; q++) dfCpu[(i * k + j) * 3 * m + q] = dfDil[((i * d) * dil.shape[1] + j * d) * 3 * m + q];
        const [dxWasm, dfWasm] = await on('wasm', () =>
          tf.tidy(() => {
            const dy = tf.tensor4d(up, yShape);
            const attrs = { strides: 1, pad, dilations: d };
            const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: tf.tensor4d(fv, f) }, { ...attrs, inputShape: x }) as tf.Tensor;
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
  const explicit: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [1, 2], [0, 0]];
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

/** A small conv net's loss: strided conv, depthwise with multiplier 2 and relu6, 1x1 conv, dense. */
function smallNet(params: tf.Tensor[], x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  const [w1, b1, dw, w2, dense] = params;
  let h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 2, 'same'), b1)) as tf.Tensor4D;
  h = tf.clipByValue(tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, 'same'), 0, 6);
  h = tf.conv2d(h, w2 as tf.Tensor4D, 1, 'valid');
  const pooled = tf.mean(h, [1, 2]);
  return tf.losses.softmaxCrossEntropy(labels, tf.matMul(pooled, dense as tf.Tensor2D)) as tf.Scalar;
}

test('tf.grad through conv2d and depthwiseConv2d trains a small net on wasm exactly as on cpu, without leaks', async () => {
  const rng = makeRng(15);
  const shapes: number[][] = [[3, 3, 3, 8], [8], [3, 3, 8, 2], [1, 1, 16, 12], [12, 4]];
  const init = shapes.map((s) => randomArray(rng, tf.util.sizeFromShape(s)).map((v) => v * 0.5));
  const xv = randomArray(rng, 6 * 12 * 12 * 3);
  const labelIdx = [0, 1, 2, 3, 1, 2];

  const train = (steps: number) => {
    const params = init.map((v, i) => tf.tidy(() => tf.variable(tf.tensor(v, shapes[i]))));
    const x = tf.tensor4d(xv, [6, 12, 12, 3]);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(labelIdx, 'int32'), 4) as tf.Tensor2D);
    const opt = tf.train.sgd(0.5);
    const losses: number[] = [];
    for (let s = 0; s < steps; s++) {
      const loss = opt.minimize(() => smallNet(params, x, labels), true, params);
      losses.push(loss!.dataSync()[0]);
      loss!.dispose();
    }
    const final = params.map((p) => p.dataSync() as Float32Array);
    tf.dispose([...params, x, labels]);
    opt.dispose();
    return { losses, final };
  };

  const cpu = await on('cpu', () => train(4));
  const backend = (await on('wasm', () => tf.backend())) as BackendWasm;
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = backend.numDataIds();
  const wasm = train(4);
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor left behind');
  assert.equal(backend.numDataIds(), dataBefore, 'no wasm buffer left behind');

  assert.ok(wasm.losses[3] < wasm.losses[0] * 0.9, `loss should fall: ${wasm.losses.join(', ')}`);
  for (let i = 0; i < shapes.length; i++) {
    const e = relativeError(wasm.final[i], cpu.final[i]);
    assert.ok(e < TOLERANCE, `parameter ${i} after 4 steps differs from cpu by ${e}`);
  }
});

test('a tfjs-layers model with Conv2D and DepthwiseConv2D layers fits on wasm', async () => {
  await tf.setBackend('wasm');
  const rng = makeRng(16);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [10, 10, 2], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1 }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
  // Two classes a conv net can tell apart: bright top half vs bright bottom half.
  const n = 16;
  const xs = tf.tidy(() => {
    const v = randomArray(rng, n * 10 * 10 * 2).map((a) => a * 0.1);
    for (let s = 0; s < n; s++)
      for (let r = 0; r < 10; r++)
        for (let q = 0; q < 20; q++) if ((r < 5) === (s % 2 === 0)) v[(s * 10 + r) * 20 + q] += 1;
    return tf.tensor4d(v, [n, 10, 10, 2]);
  });
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, s) => s % 2), 'int32'), 2));
  const first = await model.fit(xs, ys, { epochs: 1, batchSize: 8, verbose: 0 });
  // The first fit creates the optimizer's state; later ones must not add tensors.
  const before = tf.memory().numTensors;
  const hist = await model.fit(xs, ys, { epochs: 12, batchSize: 8, verbose: 0 });
  const loss = [...(first.history.loss as number[]), ...(hist.history.loss as number[])];
  assert.ok(loss[loss.length - 1] < loss[0] * 0.7, `loss should fall: ${loss.map((l) => l.toFixed(3)).join(', ')}`);
  assert.equal(tf.memory().numTensors, before, 'fit leaves no tensors behind');
  tf.dispose([xs, ys]);
  model.dispose();
});

test('Sum on wasm (fast path for leading axes, e.g. bias gradients) matches cpu for every axis choice', async () => {
  const rng = makeRng(17);
  const cases: Array<[number[], number | number[], boolean, 'float32' | 'int32']> = [
    [[8, 14, 14, 24], [0, 1, 2], false, 'float32'],
    [[8, 14, 14, 24], [0, 1, 2], true, 'float32'],
    [[3, 4, 5], 0, false, 'float32'],
    [[3, 4, 5], [1, 0], true, 'float32'],
    [[3, 4, 5], [-3, -2, -1], false, 'float32'],
    [[3, 4, 5], [1], false, 'float32'],
    [[3, 4, 5], [0, 2], true, 'float32'],
    [[3, 4, 5], [0, 1], false, 'int32'],
    [[700], 0, false, 'float32'],
    [[1, 5], 0, false, 'float32'],
    [[1, 1, 1, 3], [0, 1, 2], false, 'float32'],
  ];
  for (const [shape, axis, keepDims, dtype] of cases) {
    const v = Array.from(randomArray(rng, tf.util.sizeFromShape(shape)), (a) => (dtype === 'int32' ? Math.round(a * 50) : a));
    const sum = () => tf.tidy(() => {
      const r = tf.sum(tf.tensor(v, shape, dtype), axis, keepDims);
      return { shape: r.shape, dtype: r.dtype, values: Array.from(r.dataSync()) };
    });
    const cpu = await on('cpu', sum);
    const wasm = await on('wasm', sum);
    const label = `sum of [${shape}] over ${JSON.stringify(axis)} keepDims=${keepDims} ${dtype}`;
    assert.deepEqual([wasm.shape, wasm.dtype], [cpu.shape, cpu.dtype], label);
    assert.ok(relativeError(wasm.values, cpu.values) < 1e-5, `${label}: ${relativeError(wasm.values, cpu.values)}`);
  }
});

test('relu6 has tf.relu6\'s values and gradient, including at 0 and 6', async () => {
  await tf.setBackend('wasm');
  const rng = makeRng(18);
  const v = [-2, -0, 0, 1e-7, 3, 6 - 1e-6, 6, 6 + 1e-6, 9, ...randomArray(rng, 200).map((a) => a * 10)];
  const { mine, ref } = tf.tidy(() => {
    const x = tf.tensor1d(v);
    const up = tf.tensor1d(randomArray(rng, v.length));
    const grad = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), up)))(x);
    return {
      mine: [Array.from(relu6(x).dataSync()), Array.from(grad(relu6).dataSync())],
      ref: [Array.from(tf.relu6(x).dataSync()), Array.from(grad(tf.relu6).dataSync())],
    };
  });
  assert.deepEqual(mine, ref);
});

test('every kernel and helper here frees its intermediates on wasm', async () => {
  const backend = (await on('wasm', () => tf.backend())) as BackendWasm;
  const x = tf.randomNormal([2, 9, 9, 4]) as tf.Tensor4D;
  const cases: Array<[string, () => tf.Tensor[]]> = [
    ['conv 3x3 stride 2', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, tf.ones([3, 3, 4, 5])])],
    ['conv 1x1', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid').sum())([x, tf.ones([1, 1, 4, 3])])],
    ['conv 1x1 over 2000 pixels (chunked)', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum())([tf.ones([20, 10, 10, 4]), tf.ones([1, 1, 4, 3])])],
    ['depthwise stride 2 multiplier 2', () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid').sum())([x, tf.ones([3, 3, 4, 2])])],
    ['depthwise dilation 2', () => [
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: tf.ones([2, 9, 9, 4]) }, { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 4, 1] }) as tf.Tensor,
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.ones([2, 9, 9, 4]), filter: tf.ones([3, 3, 4, 1]) }, { strides: 1, pad: 'same', dilations: 2, inputShape: x.shape }) as tf.Tensor,
    ]],
    ['bias gradient sum', () => [tf.sum(x, [0, 1, 2])]],
    ['relu6', () => [tf.grad((a: tf.Tensor) => relu6(a).sum())(x)]],
  ];
  for (const [name, run] of cases) {
    const tensors = tf.memory().numTensors;
    const data = backend.numDataIds();
    tf.dispose(tf.tidy(run));
    assert.equal(tf.memory().numTensors, tensors, `${name}: tensors`);
    assert.equal(backend.numDataIds(), data, `${name}: wasm buffers`);
  }
  x.dispose();
});

test('registration happens at backend start-up and repeating it changes nothing', async () => {
  for (const name of WASM_GRADIENT_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), `${name} registered by initBackend('wasm')`);
  const funcs = WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc);
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a);
  try {
    registerWasmGradientKernels();
    registerWasmGradientKernels();
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warnings, [], 'no "kernel already registered" warnings');
  assert.deepEqual(WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm')!.kernelFunc), funcs);
});

test('unsupported input gives a one-line PetlabError naming the kernel and the fix', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([1, 6, 6, 2]);
  const dy = tf.zeros([1, 6, 6, 3]);
  const expectClear = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(isPetlabError(e), `expected a PetlabError, got ${String(e)}`);
      assert.match(e.message, pattern);
      assert.ok(e.hint, 'has a hint');
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  expectClear(
    () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }),
    /Conv2DBackpropFilter.*NHWC/,
  );
  expectClear(
    () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dilations: 1, filterShape: [3, 3, 2, 1] }),
    /DepthwiseConv2dNativeBackpropFilter: dy has shape \[1,6,6,3\].*\[1,3,3,2\]/,
  );
  tf.dispose([x, dy]);
});
