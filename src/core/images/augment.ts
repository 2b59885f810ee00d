import sharp from 'sharp';
import type { Rng } from '../random.js';
import type { RgbImage } from './decode.js';
import { decodeNetworkSource } from './decode.js';
import { colourJitter } from './jitter.js';

/**
 * One augmented view of a picture: a random resized crop, a horizontal flip, a little colour
 * jitter. Drawn from a seeded generator, so view k of image i is the same in every run (and can
 * be cached like any other input).
 */
export interface AugmentParams {
  /** crop rectangle as fractions of the picture: x, y, width, height */
  crop: [number, number, number, number];
  flip: boolean;
  brightness: number;
  saturation: number;
  contrast: number;
}

export interface AugmentOptions {
  /** smallest crop area as a fraction of the picture */
  minScale: number;
  /** colour jitter amplitude (0.1 = ±10%) */
  jitter: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = { minScale: 0.5, jitter: 0.15 };

export function randomAugment(rng: Rng, aspect: number, o: AugmentOptions = DEFAULT_AUGMENT): AugmentParams {
  // area and aspect ratio like torchvision's RandomResizedCrop, with fallbacks to the centre square
  let crop: [number, number, number, number] | undefined;
  for (let attempt = 0; attempt < 10 && !crop; attempt++) {
    const area = o.minScale + (1 - o.minScale) * rng();
    const logR = Math.log(3 / 4) + (Math.log(4 / 3) - Math.log(3 / 4)) * rng();
    const r = Math.exp(logR) / aspect; // ratio in picture-fraction units
    const w = Math.sqrt(area * r);
    const h = Math.sqrt(area / r);
    if (w <= 1 && h <= 1) crop = [(1 - w) * rng(), (1 - h) * rng(), w, h];
  }
  if (!crop) {
    const s = Math.min(1, 1 / aspect);
    const t = Math.min(1, aspect);
    crop = [(1 - s) / 2, (1 - t) / 2, s, t];
  }
  const j = () => 1 + o.jitter * (2 * rng() - 1);
  return { crop, flip: rng() < 0.5, brightness: j(), saturation: j(), contrast: j() };
}

/**
 * The bounded copy views are cut from: crops of a 4000 px photo need not be resampled from 4000 px,
 * and a 500 px one is not first blown up to 672 px (that decode cost 5x the plain view's).
 */
export function viewSource(file: string, size: [number, number]): Promise<RgbImage> {
  return decodeNetworkSource(file, 3 * size[1], 3 * size[0]);
}

/**
 * The augmented view of a decoded source (viewSource): the crop is taken from the whole picture, then
 * resized to `size` (the random resized crop of fastai and torchvision), flipped, colour-jittered.
 */
export async function viewOf(src: RgbImage, size: [number, number], p: AugmentParams): Promise<RgbImage> {
  const [height, width] = size;
  const [cx, cy, cw, ch] = p.crop;
  const left = Math.max(0, Math.min(src.width - 1, Math.round(cx * src.width)));
  const top = Math.max(0, Math.min(src.height - 1, Math.round(cy * src.height)));
  const w = Math.max(1, Math.min(src.width - left, Math.round(cw * src.width)));
  const h = Math.max(1, Math.min(src.height - top, Math.round(ch * src.height)));
  let img = sharp(Buffer.from(src.data.buffer, src.data.byteOffset, src.data.byteLength), { raw: { width: src.width, height: src.height, channels: 3 } })
    .extract({ left, top, width: w, height: h })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  if (p.flip) img = img.flop();
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3)
    throw new Error(`augment: unexpected shape ${info.width}x${info.height}x${info.channels}`);
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  colourJitter(out, p.brightness, p.saturation, p.contrast);
  return { width, height, data: out };
}
