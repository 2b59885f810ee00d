/** The TFLite importer: validate the file, then rebuild it op by op from the op table. */
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { PetlabError } from '../../errors.js';
import type { Preprocess } from '../spec.js';
import { activationRanges, type ActivationRanges } from './activation-ranges.js';
import { GraphBuilder } from './graph-builder.js';
import { OP_BUILDERS } from './op-builders.js';
import { checkImageInput, checkOps, fileError, findHead, parse } from './validate.js';

export interface ImportedTflite {
  /** Trainable float32 model built from standard tfjs-layers layers. */
  model: tf.LayersModel;
  /** [height, width] of the input image. */
  inputSize: [number, number];
  /** From the input's quantization: the float model takes pixel * scale + offset. */
  preprocess: Preprocess;
  /** True when the input had no quantization and the MobileNet default [-1, 1] was assumed. */
  preprocessAssumed: boolean;
  /** The layer whose output feeds the final classifier. */
  embeddingLayer: string;
  /** 'avg' when that output is a map wider than 1x1 that must be averaged into a vector. */
  embeddingPool: 'avg' | 'none';
  outputKind: 'probabilities' | 'logits';
  /** a quantized model's activation grids by layer (int8 inference on ONNX Runtime); undefined for a float model */
  activationRanges?: ActivationRanges;
  /** sha256 of the .tflite bytes. */
  sha256: string;
  fromCache: boolean;
  /** set when a cached conversion was found damaged or stale and rebuilt: why */
  rebuilt?: string;
}

export type TfliteImport = Omit<ImportedTflite, 'sha256' | 'fromCache'>;

function modelName(source: string): string {
  const base = path
    .basename(source)
    .replace(/\.tflite$/i, '')
    .replace(/[^-A-Za-z0-9._]/g, '_');
  return /^[A-Za-z0-9]/.test(base) ? base : `tflite_${base}`;
}

/**
 * Rebuild a .tflite image classifier as a trainable float32 tf.LayersModel. Quantized weights are
 * dequantized (per tensor or per channel); the float model carries activations as real values,
 * and their 8-bit grids are kept beside it (activationRanges) for int8 inference.
 */
export function importTflite(bytes: Uint8Array, source: string): TfliteImport {
  const parsed = parse(bytes, source);
  const sg = parsed.subgraph;
  const input = checkImageInput(sg, source);
  checkOps(parsed, source, OP_BUILDERS);
  const head = findHead(sg, source);

  const b = new GraphBuilder(sg, source);
  try {
    const [h, w] = input.inputSize;
    const x = tf.input({ shape: [h, w, 3], name: b.names.forTensor(input.tensor.name, 'input'), dtype: 'float32' });
    b.sym.set(sg.inputs[0], x);
    for (const op of sg.operators) OP_BUILDERS.get(op.code)!(b, op);
    const y = b.sym.get(sg.outputs[0]);
    if (!y || y === x) throw fileError(source, 'output is not computed from the input', 'the model graph is incomplete');
    const emb = b.sym.get(head.embeddingTensor);
    if (!emb) throw fileError(source, 'embedding is not computed from the input', 'the model graph is incomplete');
    const model = tf.model({ inputs: x, outputs: y, name: modelName(source) });
    const flat = b.flatSource.get(head.embeddingTensor);
    const embeddingLayer = flat ?? emb.sourceLayer.name;
    // Like the layers-model loader: only a map wider than 1x1 needs averaging; [1,1,C] is reshaped.
    const spatial = !flat && emb.shape.length === 4 && ((emb.shape[1] ?? 1) > 1 || (emb.shape[2] ?? 1) > 1);
    return {
      model,
      inputSize: input.inputSize,
      preprocess: input.preprocess,
      preprocessAssumed: input.preprocessAssumed,
      embeddingLayer,
      embeddingPool: spatial ? 'avg' : 'none',
      outputKind: head.outputKind,
      activationRanges: activationRanges(sg, b.sym),
    };
  } catch (e) {
    b.disposeAll();
    if (e instanceof PetlabError) throw e;
    throw fileError(source, `cannot be rebuilt as a tfjs model: ${(e as Error).message}`, 'this TFLite graph uses a layout petlab cannot convert', e);
  }
}
