import { createHash } from 'node:crypto';
import type { ResizeMode } from '../backbones/spec.js';
import { hashString, makeRng } from '../random.js';
import { randomAugment, DEFAULT_AUGMENT, viewOf, viewSource } from './augment.js';
import { decodeImage, type RgbImage } from './decode.js';

/**
 * Which picture of a file the network sees: the plain one (resize mode), its mirror image (flip
 * test-time augmentation), or random augmented view k of a seeded series (training).
 */
export type View = { kind: 'plain' } | { kind: 'flip' } | { kind: 'random'; index: number; seed: number };

export const PLAIN: View = { kind: 'plain' };
export const FLIP: View = { kind: 'flip' };

/** Suffix distinguishing a view in cache keys; '' for the plain view (keys of older caches stay valid). */
export function viewTag(v: View): string {
  return v.kind === 'plain' ? '' : v.kind === 'flip' ? 'flip' : `aug:${v.seed}:${v.index}`;
}

/** The cache key of (file content, view). */
export function viewKey(contentSha: string, v: View): string {
  const tag = viewTag(v);
  return tag ? createHash('sha256').update(contentSha).update(':').update(tag).digest('hex') : contentSha;
}

export async function decodeForView(file: string, size: [number, number], resize: ResizeMode, v: View): Promise<RgbImage> {
  if (v.kind === 'plain') return decodeImage(file, size, resize);
  if (v.kind === 'flip') return decodeImage(file, size, resize, undefined, true);
  // the series is seeded per file name and view number: the same augmentation in every run
  const rng = makeRng(v.seed ^ hashString(file) ^ Math.imul(v.index + 1, 0x9e3779b1));
  // one decode: the crop is drawn from the source's own aspect ratio
  const src = await viewSource(file, size);
  return viewOf(src, size, randomAugment(rng, src.width / src.height, DEFAULT_AUGMENT));
}
