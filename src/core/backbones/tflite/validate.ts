/**
 * What the TFLite importer checks before it builds anything: the file parses, the input is one
 * image, every op is one it can rebuild, the output is class scores, and where the classifier is.
 */
import { PetlabError } from '../../errors.js';
import { PREPROCESS_MINUS1_1, type Preprocess } from '../spec.js';
import { FlatbufferError } from './flatbuffer.js';
import { BuiltinOp, opName, parseTflite, TensorType, type Operator, type SubGraph, type Tensor, type TfliteModel } from './schema.js';

/** Ops that change a tensor's representation but not its real value (or only its shape). */
const PASS_THROUGH = new Set<number>([BuiltinOp.QUANTIZE, BuiltinOp.DEQUANTIZE, BuiltinOp.RESHAPE, BuiltinOp.SQUEEZE]);

/** Errors about the file itself: what is wrong, in one line, naming the file. */
export function fileError(source: string, what: string, hint: string, cause?: unknown): PetlabError {
  return new PetlabError(`${source}: ${what}`, { hint, cause });
}

export function parse(bytes: Uint8Array, source: string): TfliteModel {
  try {
    return parseTflite(bytes);
  } catch (e) {
    if (!(e instanceof FlatbufferError)) throw e;
    if (bytes.byteLength >= 8 && String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
      throw fileError(source, 'not a TensorFlow Lite model (no "TFL3" identifier)', 'give a .tflite image classifier, e.g. mobilenet_v2_1.0_224_quant.tflite');
    }
    if (bytes.byteLength < 8) throw fileError(source, `not a TensorFlow Lite model (only ${bytes.byteLength} bytes)`, 'give a .tflite image classifier');
    throw fileError(source, `truncated or corrupt TFLite file (${e.message})`, 'download or copy the .tflite file again', e);
  }
}

export const shapeStr = (s: number[]) => `[${s.join(',')}]`;

export interface InputInfo {
  tensor: Tensor;
  inputSize: [number, number];
  preprocess: Preprocess;
  preprocessAssumed: boolean;
}

export function checkImageInput(sg: SubGraph, source: string): InputInfo {
  if (sg.inputs.length !== 1) {
    throw fileError(source, `has ${sg.inputs.length} inputs, an image classifier has one`, 'petlab imports image classifiers with one [1,H,W,3] image input');
  }
  const t = sg.tensors[sg.inputs[0]];
  const [n, h, w, c] = t.shape;
  const typeOk = t.type === TensorType.UINT8 || t.type === TensorType.INT8 || t.type === TensorType.FLOAT32;
  if (t.shape.length !== 4 || n !== 1 || c !== 3 || !(h > 0 && w > 0) || !typeOk) {
    throw fileError(
      source,
      `input "${t.name}" is ${shapeStr(t.shape)} ${TensorType[t.type] ?? t.type}, not an image [1,H,W,3] (uint8, int8 or float32)`,
      'petlab imports image classifiers that take one RGB image',
    );
  }
  const q = t.quantization;
  if (q && q.scale.length > 1) {
    throw fileError(source, `input "${t.name}" is quantized per channel, which petlab does not support`, 'use a model with one input scale');
  }
  let preprocess: Preprocess;
  let preprocessAssumed = false;
  if (t.type === TensorType.FLOAT32) {
    // A float input says nothing about the pixel range: assume MobileNet's [-1, 1], and say so.
    preprocess = { ...PREPROCESS_MINUS1_1 };
    preprocessAssumed = true;
  } else {
    // uint8: q = pixel. int8: q = pixel - 128 (the usual convention for int8 image inputs).
    // real = scale * (q - zero_point); without quantization, real = q.
    const shift = t.type === TensorType.INT8 ? 128 : 0;
    const scale = q ? q.scale[0] : 1;
    const zp = q ? (q.zeroPoint[0] ?? 0) : 0;
    preprocess = { scale, offset: -scale * (zp + shift) };
  }
  return { tensor: t, inputSize: [h, w], preprocess, preprocessAssumed };
}

export function checkOps(model: TfliteModel, source: string, supported: ReadonlyMap<number, unknown>): void {
  const supportedList = [...supported.keys()].map((c) => opName(c)).join(', ');
  for (const op of model.subgraph.operators) {
    if (!supported.has(op.code)) {
      throw fileError(
        source,
        `unsupported TFLite op ${opName(op.code, op.customCode)} (operator ${op.index} of ${model.subgraph.operators.length})`,
        `petlab imports image classifiers built from ${supportedList}`,
      );
    }
  }
  if (model.subgraph.outputs.length !== 1) {
    throw fileError(
      source,
      `has ${model.subgraph.outputs.length} outputs, an image classifier has one`,
      'petlab imports image classifiers (one class-score output)',
    );
  }
  const out = model.subgraph.tensors[model.subgraph.outputs[0]];
  if (out.shape.length !== 2 || out.shape[0] !== 1) {
    throw fileError(
      source,
      `output "${out.name}" is ${shapeStr(out.shape)}, not class scores [1,N]`,
      'petlab imports image classifiers (one class-score output)',
    );
  }
}

export interface Head {
  embeddingTensor: number;
  outputKind: 'probabilities' | 'logits';
}

/**
 * Walk back from the output through softmax/reshape/(de)quantize to the final classifier
 * (a FULLY_CONNECTED, or a CONV_2D on a 1x1 map): its input is the image embedding.
 */
export function findHead(sg: SubGraph, source: string): Head {
  const producer = new Map<number, Operator>();
  for (const op of sg.operators) for (const o of op.outputs) producer.set(o, op);
  let t = sg.outputs[0];
  let outputKind: Head['outputKind'] = 'logits';
  for (;;) {
    const op = producer.get(t);
    if (!op) break;
    if (op.code === BuiltinOp.SOFTMAX) outputKind = 'probabilities';
    else if (!PASS_THROUGH.has(op.code)) {
      const isClassifier =
        op.code === BuiltinOp.FULLY_CONNECTED ||
        (op.code === BuiltinOp.CONV_2D && sg.tensors[op.inputs[0]].shape[1] === 1 && sg.tensors[op.inputs[0]].shape[2] === 1);
      if (!isClassifier) break;
      let e = op.inputs[0];
      // Skip (de)quantization between the embedding and the classifier.
      for (let p = producer.get(e); p && (p.code === BuiltinOp.QUANTIZE || p.code === BuiltinOp.DEQUANTIZE); p = producer.get(e)) e = p.inputs[0];
      return { embeddingTensor: e, outputKind };
    }
    t = op.inputs[0];
  }
  throw fileError(
    source,
    'has no final classifier layer (FULLY_CONNECTED or 1x1 CONV_2D before the output)',
    'petlab needs an image classifier whose last layer maps an embedding to class scores',
  );
}
