/**
 * What petlab must know about a backbone to use it: everything model-specific lives here and in
 * config/backbones.json, nowhere else.
 */

/** Pixel p in [0, 255] is fed to the network as p * scale + offset. */
export interface Preprocess {
  scale: number;
  offset: number;
}

export const PREPROCESS_MINUS1_1: Preprocess = { scale: 1 / 127.5, offset: -1 };
export const PREPROCESS_0_1: Preprocess = { scale: 1 / 255, offset: 0 };

/**
 * How a picture of any shape becomes the network's input size: 'fill' squashes the whole picture,
 * 'cover' takes the largest centred square, 'crop' the central 87.5% of it (ImageNet's evaluation crop).
 */
export type ResizeMode = 'fill' | 'cover' | 'crop';
export const RESIZE_MODES: ResizeMode[] = ['fill', 'cover', 'crop'];

export type BackboneFormat = 'tflite' | 'tfjs-layers';

export interface BackboneSpec {
  /** Registry name, or the file/folder name for a path. */
  name: string;
  format: BackboneFormat;
  /** [height, width] of the network input. */
  inputSize: [number, number];
  preprocess: Preprocess;
  /** The layer whose output is the image embedding (usually the global pooling output). */
  embeddingLayer: string;
  /** When the embedding layer's output is still spatial (h, w, c), average it over h and w. */
  embeddingPool: 'avg' | 'none';
  /** Labels file of the pretrained classifier (ImageNet), when there is one. */
  labelsFile?: string;
  /** A digest of the weights and of this spec: the key of everything cached from this backbone. */
  fingerprint: string;
}

export function describePreprocess(p: Preprocess): string {
  const lo = p.offset;
  const hi = 255 * p.scale + p.offset;
  const r = (x: number) => Number(x.toFixed(4)).toString();
  return `[${r(lo)}, ${r(hi)}]`;
}

/** How a loaded backbone computes, for its load message ('' in float). */
export function describePrecision(int8: boolean | undefined, format: string): string {
  if (!int8) return '';
  // a layers backbone in int8 is a fine-tuned quantized one: only its frozen part kept its grids
  return format === 'tflite' ? '; runs in int8, as the file is quantized' : '; its frozen part runs in int8 as in training, its trained top in float';
}

/** Parse "-1,1" or "0,1" (the input range) into a Preprocess. */
export function parseInputRange(s: string): Preprocess | undefined {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (!(hi > lo)) return undefined;
  return { scale: (hi - lo) / 255, offset: lo };
}
