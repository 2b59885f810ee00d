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

/**
 * Suffix distinguishing a view in cache keys; '' for the plain view (keys of older caches stay
 * valid). 'mirror' and 'aug2' name the current pixels of the others (the mirror of the plain view;
 * our colour jitter), so rows cached by earlier versions are computed again, not mixed in.
 */
export function viewTag(v: View): string {
  return v.kind === 'plain' ? '' : v.kind === 'flip' ? 'mirror' : `aug2:${v.seed}:${v.index}`;
}

/** The cache key of (file content, view). */
export function viewKey(contentSha: string, v: View): string {
  const tag = viewTag(v);
  return tag ? createHash('sha256').update(contentSha).update(':').update(tag).digest('hex') : contentSha;
}

export async function decodeForView(file: string, size: [number, number], resize: ResizeMode, v: View): Promise<RgbImage> {
  if (v.kind === 'plain') return decodeImage(file, size, resize);
  if (v.kind === 'flip') return mirrored(await decodeImage(file, size, resize));
  // one decode: the crop is drawn from the source's own aspect ratio
  return randomView(file, await viewSource(file, size), size, v);
}

/** Random view `v` of `file`, cut from its decoded source (viewSource). */
export function randomView(file: string, src: RgbImage, size: [number, number], v: View & { kind: 'random' }): Promise<RgbImage> {
  // the series is seeded per file name and view number: the same augmentation in every run
  const rng = makeRng(v.seed ^ hashString(file) ^ Math.imul(v.index + 1, 0x9e3779b1));
  return viewOf(src, size, randomAugment(rng, src.width / src.height, DEFAULT_AUGMENT));
}

/** The picture mirrored left to right (3 bytes a pixel). */
export function mirrored(img: RgbImage): RgbImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + x * 3;
      const to = row + (width - 1 - x) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { width, height, data: out };
}

/**
 * Several views of the same files with one decode per file and kind of view: the plain view and
 * its mirror come from one decode, and all random views of a file are cut from one bounded source.
 * Views of a file asked together share the decode; a file's decodes are dropped once the views
 * announced for it (`expect`) have been taken.
 */
export class ViewDecoder {
  private files = new Map<string, { plain?: Promise<RgbImage>; source?: Promise<RgbImage>; left: number }>();

  constructor(
    private readonly size: [number, number],
    private readonly resize: ResizeMode,
  ) {}

  /** `views` more views of `file` will be asked for. */
  expect(file: string, views: number): void {
    const f = this.files.get(file);
    if (f) f.left += views;
    else this.files.set(file, { left: views });
  }

  async decode(file: string, v: View): Promise<RgbImage> {
    const f = this.files.get(file);
    if (f && --f.left <= 0) this.files.delete(file);
    if (!f) return decodeForView(file, this.size, this.resize, v);
    if (v.kind === 'random') return randomView(file, await (f.source ??= viewSource(file, this.size)), this.size, v);
    const plain = await (f.plain ??= decodeImage(file, this.size, this.resize));
    return v.kind === 'flip' ? mirrored(plain) : plain;
  }
}
