/** Shared by the explain-*.test.ts files: test pictures made from the real sample photos. */
import path from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../../src/core/images/decode.js';
import { massInRegion, upsampleMap } from '../../src/core/explain/overlay.js';
import { SAMPLE_PHOTOS } from './shared.js';

export const CAT = path.join(SAMPLE_PHOTOS, 'cat_720p.jpg');
export const DOG = path.join(SAMPLE_PHOTOS, 'dog_segmentation.bmp');
export const HOT_DOG = path.join(SAMPLE_PHOTOS, 'hot_dog.jpg');

export type Quadrant = [qx: 0 | 1, qy: 0 | 1];

/**
 * A plain grey 448x448 canvas with photos pasted into quadrants (each photo's centred square,
 * 224x224), as a PNG. Photos go through core's decoder, so the BMP works too.
 */
export async function quadrantCanvas(photos: Array<{ file: string; at: Quadrant }>): Promise<Buffer> {
  const tiles = await Promise.all(
    photos.map(async ({ file, at }) => {
      const img = await decodeImage(file, [224, 224], 'cover');
      const input = await sharp(Buffer.from(img.data), { raw: { width: 224, height: 224, channels: 3 } })
        .png()
        .toBuffer();
      return { input, left: at[0] * 224, top: at[1] * 224 };
    }),
  );
  return sharp({ create: { width: 448, height: 448, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(tiles)
    .png()
    .toBuffer();
}

/** Fraction of a coarse map's mass in a quadrant, measured on the map upsampled to 224x224 as it is drawn. */
export function quadrantMass(cam: ArrayLike<number>, h: number, w: number, [qx, qy]: Quadrant): number {
  const up = upsampleMap(cam, h, w, 224, 224);
  return massInRegion(up, 224, 224, { x0: qx / 2, y0: qy / 2, x1: qx / 2 + 0.5, y1: qy / 2 + 0.5 });
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}
