import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/core/backend/select.js';
import { wasmFmaEnabled } from '../src/core/backend/wasm-grad/native/native-kernels.js';
import { makeRng } from '../src/core/random.js';
import { on, randomArray, relativeError, TOLERANCE, type Shape4 } from './helpers/wasm-grad-support.js';

/**
 * The relaxed-SIMD FMA build of petlab's kernels (native/kernels.c, opcodes rewritten by
 * scripts/patch-relaxed-fma.mjs): it loads on this Node, and the 1x1-conv gradients it now
 * carries (dx and dFilter, instead of XNNPACK's BatchMatMul) agree with the cpu backend.
 */

let batchMatMuls = 0;
let restore = () => {};
before(async () => {
  await initBackend('wasm');
  const kernel = tf.getKernel('BatchMatMul', 'wasm')!;
  const original = kernel.kernelFunc;
  kernel.kernelFunc = (args) => {
    batchMatMuls++;
    return original(args);
  };
  restore = () => (kernel.kernelFunc = original);
});
after(() => restore());

test('the FMA kernels load on Node 20 (relaxed SIMD is switched on before compiling)', () => {
  assert.equal(wasmFmaEnabled(), true);
});

function grads(x: Shape4, f: Shape4, stride: number, xv: Float32Array, fv: Float32Array, up: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 'valid');
    const y = conv(tf.tensor4d(xv, x), tf.tensor4d(fv, f));
    const upstream = tf.tensor(up, y.shape);
    y.dispose();
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), upstream)));
    return g([tf.tensor4d(xv, x), tf.tensor4d(fv, f)]).map((t) => t.dataSync() as Float32Array);
  });
}

test('1x1 conv dx and dFilter run on the FMA GEMM (no BatchMatMul) and match cpu, tile edges included', async () => {
  const rng = makeRng(21);
  const cases: Array<[Shape4, Shape4, number]> = [
    [[2, 7, 7, 40], [1, 1, 40, 24], 1],
    [[3, 5, 6, 13], [1, 1, 13, 21], 1],
    [[2, 9, 8, 19], [1, 1, 19, 11], 2],
  ];
  for (const [x, f, stride] of cases) {
    const outShape = tf.backend_util.computeConv2DInfo(x, f, stride, 1, 'valid').outShape;
    const xv = randomArray(rng, tf.util.sizeFromShape(x));
    const fv = randomArray(rng, tf.util.sizeFromShape(f));
    const up = randomArray(rng, tf.util.sizeFromShape(outShape));
    const [dxCpu, dfCpu] = await on('cpu', () => grads(x, f, stride, xv, fv, up));
    const before = tf.memory().numTensors;
    batchMatMuls = 0;
    const [dxWasm, dfWasm] = await on('wasm', () => grads(x, f, stride, xv, fv, up));
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    assert.equal(batchMatMuls, 0, `x=[${x}] f=[${f}]: no XNNPACK BatchMatMul`);
    assert.ok(relativeError(dxWasm, dxCpu) < TOLERANCE, `x=[${x}] f=[${f}] dx`);
    assert.ok(relativeError(dfWasm, dfCpu) < TOLERANCE, `x=[${x}] f=[${f}] dFilter`);
  }
});

test('forward 1x1 FusedConv2D (bias, linear / relu / relu6) on the FMA GEMM matches cpu', async () => {
  const rng = makeRng(22);
  const cases: Array<[Shape4, Shape4, boolean, tf.fused.Activation]> = [
    [[2, 7, 7, 40], [1, 1, 40, 24], true, 'relu6'],
    [[3, 5, 6, 13], [1, 1, 13, 21], true, 'linear'],
    [[1, 4, 5, 9], [1, 1, 9, 10], false, 'relu'],
    // k in two blocks of the GEMM, rows in several cache blocks, edge rows and columns
    [[2, 9, 9, 200], [1, 1, 200, 1100], true, 'relu6'],
  ];
  for (const [x, f, withBias, activation] of cases) {
    const xv = randomArray(rng, tf.util.sizeFromShape(x)).map((v) => v * 8);
    const fv = randomArray(rng, tf.util.sizeFromShape(f));
    const bv = randomArray(rng, f[3]);
    const run = () =>
      tf.tidy(() => {
        const bias = withBias ? tf.tensor1d(bv) : undefined;
        const y = tf.fused.conv2d({ x: tf.tensor4d(xv, x), filter: tf.tensor4d(fv, f), strides: 1, pad: 'same', bias, activation });
        return y.dataSync() as Float32Array;
      });
    const cpu = await on('cpu', run);
    const before = tf.memory().numTensors;
    const wasm = await on('wasm', run);
    assert.equal(tf.memory().numTensors, before, 'no tensors leak');
    assert.ok(relativeError(wasm, cpu) < TOLERANCE, `x=[${x}] f=[${f}] ${activation}: ${relativeError(wasm, cpu)}`);
  }
});
