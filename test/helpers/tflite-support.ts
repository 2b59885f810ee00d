/**
 * Test support for the TFLite importer tests: the three shared .tflite models, a sample-photo
 * reader, and byte-level patches of a .tflite (written independently of the importer's reader).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeBmp } from '../../src/core/images/bmp.js';
import { SAMPLE_PHOTOS, SHARED, type AssetName } from './shared.js';

export const MODELS = {
  v2quant: path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite'),
  v2ptq: path.join(SHARED, 'models', 'tf2_mobilenet_v2_1.0_224_ptq', 'tf2_mobilenet_v2_1.0_224_ptq.tflite'),
  v1quant: path.join(SHARED, 'models', 'mobilenet_v1_0.75_192_quant', 'mobilenet_v1_0.75_192_quant.tflite'),
};

/** The test-data asset each model file is (helpers/test-assets.ts), for skipUnless. */
export const MODEL_ASSETS: Record<keyof typeof MODELS, AssetName> = {
  v2quant: 'mobilenet-v2-tflite',
  v2ptq: 'mobilenet-v2-ptq-tflite',
  v1quant: 'mobilenet-v1-tflite',
};

export function labelsBeside(model: string): string[] {
  return readFileSync(path.join(path.dirname(model), 'imagenet_labels.txt'), 'utf8').split('\n');
}

/** README's reference top-1 for each sample photo (ImageNet label text, first synonym). */
export const EXPECTED_TOP1: Record<string, string> = {
  'cat_720p.jpg': 'Egyptian cat',
  'dog_segmentation.bmp': 'Samoyed',
  'hot_dog.jpg': 'hotdog',
};

/** README's reference top-3 probabilities of mobilenet_v2_1.0_224_quant (centre-cropped photos). */
export const V2_QUANT_REFERENCE: Record<string, Array<[string, number]>> = {
  'cat_720p.jpg': [
    ['Egyptian cat', 0.922],
    ['tabby', 0.037],
    ['tiger cat', 0.026],
  ],
  'dog_segmentation.bmp': [
    ['Samoyed', 0.945],
    ['white wolf', 0.024],
    ['chow', 0.022],
  ],
  'hot_dog.jpg': [['hotdog', 0.989]],
};

/** A sample photo resized to [h, w] ('fill': whole image; 'cover': centre crop), as raw RGB bytes. */
export async function samplePixels(name: string, [h, w]: [number, number], fit: 'fill' | 'cover' = 'cover'): Promise<Uint8Array> {
  const file = path.join(SAMPLE_PHOTOS, name);
  let img: sharp.Sharp;
  if (name.endsWith('.bmp')) {
    const raw = decodeBmp(readFileSync(file)); // this sharp build has no BMP loader
    img = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
  } else {
    img = sharp(file);
  }
  const buf = await img.resize(w, h, { fit }).removeAlpha().raw().toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

// --- byte-level .tflite patching (FlatBuffers layout, read directly) ---

function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(o, true);
}
function i32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset).getInt32(o, true);
}
function u16(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint16(o, true);
}

/** Absolute position of field `index` of the table at `table`, or 0 when absent. */
function fieldPos(b: Uint8Array, table: number, index: number): number {
  const vt = table - i32(b, table);
  const slot = 4 + 2 * index;
  if (slot >= u16(b, vt)) return 0;
  const rel = u16(b, vt + slot);
  return rel ? table + rel : 0;
}

/** Tables of a vector-of-tables field. */
function tablesAt(b: Uint8Array, table: number, index: number): number[] {
  const p = fieldPos(b, table, index);
  const vec = p + u32(b, p);
  const n = u32(b, vec);
  return Array.from({ length: n }, (_, k) => vec + 4 + 4 * k + u32(b, vec + 4 + 4 * k));
}

/**
 * Rewrite one operator code in place to `code` (e.g. 16 = LSTM). Only an entry that stores its
 * code explicitly can be patched in place (ADD = 0 is the default and often omitted).
 */
export function patchFirstOpCode(bytes: Uint8Array, code: number): Uint8Array {
  const b = new Uint8Array(bytes);
  const root = u32(b, 0);
  for (const oc of tablesAt(b, root, 1)) {
    const deprecated = fieldPos(b, oc, 0);
    if (!deprecated) continue;
    b[deprecated] = code;
    const extended = fieldPos(b, oc, 3);
    if (extended) new DataView(b.buffer).setInt32(extended, code, true);
    return b;
  }
  throw new Error('no patchable operator code');
}

/** Set the last dimension of the model input's shape (e.g. 3 -> 1 channel). */
export function patchInputChannels(bytes: Uint8Array, channels: number): Uint8Array {
  const b = new Uint8Array(bytes);
  const root = u32(b, 0);
  const sg = tablesAt(b, root, 2)[0];
  const inputsField = fieldPos(b, sg, 1);
  const inputs = inputsField + u32(b, inputsField);
  const inputIndex = i32(b, inputs + 4);
  const tensor = tablesAt(b, sg, 0)[inputIndex];
  const shapeField = fieldPos(b, tensor, 0);
  const shape = shapeField + u32(b, shapeField);
  const rank = u32(b, shape);
  new DataView(b.buffer).setInt32(shape + 4 * rank, channels, true);
  return b;
}
