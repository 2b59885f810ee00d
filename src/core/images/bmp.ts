/**
 * BMP decoding with bmp-ts: the sharp build petlab installs has no BMP loader, and sample photos
 * (and some datasets) are BMPs. bmp-ts reads 1/4/8/16/24/32-bit images, bit-field masks and
 * bottom-up or top-down rows; petlab keeps its own size limits and returns packed RGB.
 */
import { decode } from 'bmp-ts';

export interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

export function isBmp(buf: Uint8Array): boolean {
  return buf.length > 26 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function decodeBmp(buf: Buffer): RawRgb {
  if (!isBmp(buf)) throw new Error('not a BMP file');
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || width > 1 << 15 || height > 1 << 15) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  let img: ReturnType<typeof decode>;
  try {
    img = decode(buf, { toRGBA: true });
  } catch (e) {
    throw new Error(`unreadable BMP (${(e as Error).message})`, { cause: e });
  }
  if (img.data.length < width * height * 4) throw new Error('BMP file is truncated');
  // RGBA -> RGB: a BMP's alpha channel is rarely meaningful (most writers leave it 0)
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) {
    out[j] = img.data[i];
    out[j + 1] = img.data[i + 1];
    out[j + 2] = img.data[i + 2];
  }
  return { data: out, width, height };
}
