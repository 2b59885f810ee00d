/**
 * Small synthetic .tflite graphs for the ops and encodings the three shared models do not use, each
 * with its expectation computed by plain tf ops from the weights it stores (test/tflite-ops.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { bool, buildTflite, f16Bytes, f32, f32Bytes, i32, i32Bytes, i8, i8Bytes, ints, T, viaF16, type OpSpec, type TensorSpec } from './tflite-builder.js';

/** Deterministic values in [-1, 1). */
export function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

export const OP = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  MUL: 18,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  QUANTIZE: 114,
  HARD_SWISH: 117,
};

/** [O, H, W, I] (TFLite conv filter) -> [H, W, I, O] */
export const toHWIO = (w: Float32Array, [o, h, wd, i]: number[]) => tf.transpose(tf.tensor4d(w, [o, h, wd, i]), [1, 2, 3, 0]) as tf.Tensor4D;

const hardSwish = (x: tf.Tensor) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));

/** Float input; float16 conv weights behind DEQUANTIZE; int8 per-channel depthwise; uint8 dense. */
export function floatModel(meanAxes = [1, 2]) {
  const convW = viaF16(noise(4 * 3 * 3 * 3, 1).map((v) => v * 0.5));
  const convB = noise(4, 2);
  const dwScales = Array.from(noise(8, 3), (v) => 0.01 + Math.abs(v) * 0.02);
  const dwQ = Array.from(noise(9 * 8, 4), (v) => Math.round(v * 127));
  const dwBScales = dwScales.map((s) => s * 0.05);
  const dwBQ = Array.from(noise(8, 5), (v) => Math.round(v * 1000));
  const fcScale = 0.01;
  const fcQ = Array.from(noise(5 * 16, 6), (v) => Math.round(128 + v * 120));
  const fcB = noise(5, 7);

  const tensors: TensorSpec[] = [
    { name: 'image', shape: [1, 8, 8, 3], type: T.FLOAT32 },
    { name: 'paddings', shape: [4, 2], type: T.INT32, data: i32Bytes([0, 0, 1, 1, 1, 1, 0, 0]) },
    { name: 'net/pad/Pad', shape: [1, 10, 10, 3], type: T.FLOAT32 },
    { name: 'net/conv/weights_f16', shape: [4, 3, 3, 3], type: T.FLOAT16, data: f16Bytes(convW) },
    { name: 'net/conv/weights', shape: [4, 3, 3, 3], type: T.FLOAT32 },
    { name: 'net/conv/bias', shape: [4], type: T.FLOAT32, data: f32Bytes(convB) },
    { name: 'net/conv/Relu;net/conv/BiasAdd', shape: [1, 8, 8, 4], type: T.FLOAT32 },
    {
      name: 'net/dw/depthwise_weights',
      shape: [1, 3, 3, 8],
      type: T.INT8,
      data: i8Bytes(dwQ),
      quant: { scale: dwScales, zeroPoint: dwScales.map(() => 0), dim: 3 },
    },
    { name: 'net/dw/bias', shape: [8], type: T.INT32, data: i32Bytes(dwBQ), quant: { scale: dwBScales, zeroPoint: dwBScales.map(() => 0) } },
    { name: 'net/dw/Relu6', shape: [1, 8, 8, 8], type: T.FLOAT32 },
    { name: 'net/hswish/mul_1', shape: [1, 8, 8, 8], type: T.FLOAT32 },
    { name: 'net/maxpool/MaxPool', shape: [1, 4, 4, 8], type: T.FLOAT32 },
    { name: 'net/avgpool/AvgPool', shape: [1, 4, 4, 8], type: T.FLOAT32 },
    { name: 'net/gate/mul', shape: [1, 4, 4, 8], type: T.FLOAT32 },
    { name: 'net/concat/concat', shape: [1, 4, 4, 16], type: T.FLOAT32 },
    { name: 'axes', shape: [2], type: T.INT32, data: i32Bytes(meanAxes) },
    { name: 'net/pool/Mean', shape: [1, 16], type: T.FLOAT32 },
    { name: 'net/logits/weights', shape: [5, 16], type: T.UINT8, data: new Uint8Array(fcQ), quant: { scale: [fcScale], zeroPoint: [128] } },
    { name: 'net/logits/bias', shape: [5], type: T.FLOAT32, data: f32Bytes(fcB) },
    { name: 'net/logits/BiasAdd', shape: [1, 5], type: T.FLOAT32 },
    { name: 'net/probs/Softmax', shape: [1, 5], type: T.FLOAT32 },
  ];
  const pool2 = [i8(1), i32(2), i32(2), i32(2), i32(2), i8(0)];
  const operators: OpSpec[] = [
    { code: OP.PAD, inputs: [0, 1], outputs: [2] },
    { code: OP.DEQUANTIZE, inputs: [3], outputs: [4] },
    { code: OP.CONV_2D, inputs: [2, 4, 5], outputs: [6], options: [i8(1), i32(1), i32(1), i8(1)] }, // VALID, RELU
    { code: OP.DEPTHWISE_CONV_2D, inputs: [6, 7, 8], outputs: [9], options: [i8(0), i32(1), i32(1), i32(2), i8(3)] }, // SAME, x2, RELU6
    { code: OP.HARD_SWISH, inputs: [9], outputs: [10] },
    { code: OP.MAX_POOL_2D, inputs: [10], outputs: [11], options: pool2 },
    { code: OP.AVERAGE_POOL_2D, inputs: [10], outputs: [12], options: pool2 },
    { code: OP.MUL, inputs: [11, 12], outputs: [13], options: [i8(0)] },
    { code: OP.CONCATENATION, inputs: [11, 13], outputs: [14], options: [i32(3), i8(0)] },
    { code: OP.MEAN, inputs: [14, 15], outputs: [16], options: [bool(false)] },
    { code: OP.FULLY_CONNECTED, inputs: [16, 17, 18], outputs: [19], options: [i8(0)] },
    { code: OP.SOFTMAX, inputs: [19], outputs: [20], options: [f32(1)] },
  ];
  const bytes = buildTflite({ tensors, inputs: [0], outputs: [20], operators });

  const expected = (x: tf.Tensor4D) =>
    tf.tidy(() => {
      const padded = tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const c = tf.relu(tf.add(tf.conv2d(padded, toHWIO(convW, [4, 3, 3, 3]), 1, 'valid'), convB));
      const dwW = tf.tensor4d(
        dwQ.map((q, k) => q * dwScales[k % 8]),
        [3, 3, 4, 2],
      );
      const dwB = dwBQ.map((q, k) => q * dwBScales[k]);
      const d = tf.relu6(tf.add(tf.depthwiseConv2d(c as tf.Tensor4D, dwW, 1, 'same'), dwB));
      const hs = hardSwish(d) as tf.Tensor4D;
      const mx = tf.maxPool(hs, 2, 2, 'valid');
      const av = tf.avgPool(hs, 2, 2, 'valid');
      const cat = tf.concat([mx, tf.mul(mx, av)], 3);
      const mean = tf.mean(cat, [1, 2]);
      const fcW = tf.transpose(
        tf.tensor2d(
          fcQ.map((q) => fcScale * (q - 128)),
          [5, 16],
        ),
      );
      return tf.softmax(tf.add(tf.matMul(mean, fcW), fcB));
    });
  return { bytes, expected };
}

/** int8 input with quantization; int32 biases without their own scales; reshape; logits out. */
export function int8Model() {
  const inScale = 0.5;
  const inZp = -1;
  const wScale = 0.02;
  const wQ = Array.from(noise(2 * 3, 11), (v) => Math.round(v * 127));
  const bQ = Array.from(noise(2, 12), (v) => Math.round(v * 100));
  const flatScale = 0.25;
  const fcScales = [0.01, 0.02, 0.03];
  const fcQ = Array.from(noise(3 * 32, 13), (v) => Math.round(v * 127));
  const fcBQ = Array.from(noise(3, 14), (v) => Math.round(v * 300));
  const tensors: TensorSpec[] = [
    { name: 'serving_default_x:0', shape: [1, 4, 4, 3], type: T.INT8, quant: { scale: [inScale], zeroPoint: [inZp] } },
    { name: 'm/conv/Conv2D', shape: [2, 1, 1, 3], type: T.INT8, data: i8Bytes(wQ), quant: { scale: [wScale], zeroPoint: [0] } },
    { name: 'm/conv/bias', shape: [2], type: T.INT32, data: i32Bytes(bQ) },
    { name: 'm/conv/BiasAdd', shape: [1, 4, 4, 2], type: T.INT8, quant: { scale: [0.1], zeroPoint: [0] } },
    { name: 'm/flatten/shape', shape: [2], type: T.INT32, data: i32Bytes([1, 32]) },
    { name: 'm/flatten/Reshape', shape: [1, 32], type: T.INT8, quant: { scale: [flatScale], zeroPoint: [0] } },
    { name: 'm/dense/MatMul', shape: [3, 32], type: T.INT8, data: i8Bytes(fcQ), quant: { scale: fcScales, zeroPoint: [0, 0, 0], dim: 0 } },
    { name: 'm/dense/bias', shape: [3], type: T.INT32, data: i32Bytes(fcBQ) },
    { name: 'm/dense/BiasAdd', shape: [1, 3], type: T.INT8, quant: { scale: [0.1], zeroPoint: [0] } },
  ];
  const operators: OpSpec[] = [
    { code: OP.CONV_2D, inputs: [0, 1, 2], outputs: [3], options: [i8(0), i32(1), i32(1), i8(0)] },
    { code: OP.RESHAPE, inputs: [3, 4], outputs: [5], options: [ints([1, 32])] },
    { code: OP.FULLY_CONNECTED, inputs: [5, 6, 7], outputs: [8], options: [i8(0)] },
  ];
  const bytes = buildTflite({ tensors, inputs: [0], outputs: [8], operators });
  const expected = (real: tf.Tensor4D) =>
    tf.tidy(() => {
      const w = toHWIO(
        Float32Array.from(wQ, (q) => q * wScale),
        [2, 1, 1, 3],
      );
      const b = bQ.map((q) => q * inScale * wScale); // TFLite: bias scale = input scale * weight scale
      const flat = tf.reshape(tf.add(tf.conv2d(real, w, 1, 'same'), b), [-1, 32]);
      const fcW = tf.transpose(
        tf.tensor2d(
          fcQ.map((q, k) => q * fcScales[Math.floor(k / 32)]),
          [3, 32],
        ),
      );
      const fcB = fcBQ.map((q, c) => q * flatScale * fcScales[c]);
      return tf.add(tf.matMul(flat, fcW), fcB);
    });
  return { bytes, expected, inScale, inZp };
}
