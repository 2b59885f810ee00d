import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { decodeBmp, isBmp } from './bmp.js';
import { PetlabError } from '../errors.js';
import type { ResizeMode } from '../backbones/spec.js';

/** An RGB image, 3 bytes a pixel, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

// Keep sharp from caching decoded files across calls: datasets are read once per run.
sharp.cache(false);

/**
 * A sharp pipeline on any image: first frame, EXIF orientation applied, alpha flattened onto white.
 * BMPs, which this sharp build cannot read, go through our own reader.
 */
/** `asCoded`: an embedded ICC profile is ignored (network-pixels.ts); else the pixels are converted to sRGB by it. */
async function openImage(file: string | Buffer, asCoded: boolean): Promise<sharp.Sharp> {
  const head = typeof file === 'string' ? await readHead(file) : file.subarray(0, 2);
  if (isBmp(Buffer.concat([head, Buffer.alloc(32)]))) {
    const raw = decodeBmp(typeof file === 'string' ? await fs.readFile(file) : file);
    return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 3 } });
  }
  return sharp(file, { pages: 1, failOn: 'error', ignoreIcc: asCoded }).rotate().flatten({ background: '#ffffff' });
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b;
  } finally {
    await fh.close();
  }
}

/**
 * Decode any image file sharp understands, by its content (a PNG or a GIF named .jpg is fine):
 * EXIF orientation applied, first frame only, alpha flattened onto white, resized to `size`.
 * Throws a PetlabError naming the file when it cannot be decoded.
 */
export async function decodeImage(file: string | Buffer, size: [number, number], resize: ResizeMode = 'fill', label?: string): Promise<RgbImage> {
  const [height, width] = size;
  try {
    let img = await openImage(file, true);
    if (resize === 'crop') {
      // central 87.5%: resize the centred square to size/0.875, then cut the middle out
      const W = Math.round(width / 0.875);
      const H = Math.round(height / 0.875);
      img = sharp(await img.resize(W, H, { fit: 'cover', kernel: 'lanczos3' }).raw().toBuffer(), { raw: { width: W, height: H, channels: 3 } }).extract({
        left: Math.floor((W - width) / 2),
        top: Math.floor((H - height) / 2),
        width,
        height,
      });
    } else {
      img = img.resize(width, height, { fit: resize === 'cover' ? 'cover' : 'fill', kernel: 'lanczos3' });
    }
    const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height) {
      throw new Error(`unexpected decoded shape ${info.width}x${info.height}x${info.channels}`);
    }
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const name = label ?? (typeof file === 'string' ? file : 'image');
    throw new PetlabError(`cannot decode ${name}: ${shortReason(e)}`, { hint: 'the file is corrupt or not an image; remove it or replace it' });
  }
}

/** Decode at the file's own size (bounded), for drawing a picture rather than feeding a network. */
export function decodeForDisplay(file: string, maxWidth: number, maxHeight: number, enlarge = true): Promise<RgbImage> {
  return decodeBounded(file, maxWidth, maxHeight, { enlarge, asCoded: false });
}

/** Decode at the file's own size, never enlarged, with the pixels a network sees (network-pixels.ts). */
export function decodeNetworkSource(file: string, maxWidth: number, maxHeight: number): Promise<RgbImage> {
  return decodeBounded(file, maxWidth, maxHeight, { enlarge: false, asCoded: true });
}

async function decodeBounded(file: string, maxWidth: number, maxHeight: number, o: { enlarge: boolean; asCoded: boolean }): Promise<RgbImage> {
  try {
    const { data, info } = await (
      await openImage(file, o.asCoded)
    )
      .resize(Math.max(1, maxWidth), Math.max(1, maxHeight), { fit: 'inside', withoutEnlargement: !o.enlarge })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    throw new PetlabError(`cannot decode ${file}: ${shortReason(e)}`, { hint: 'the file is corrupt or not an image' });
  }
}

function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unsupported image format/i.test(msg)) return 'not an image (unsupported format)';
  if (/premature end|truncated|corrupt|improper call|bad huffman|not a jpeg|unknown error|read error|invalid/i.test(msg))
    return 'corrupt or truncated image data';
  if (/ENOENT|no such file/i.test(msg)) return 'file not found';
  return msg.split('\n')[0].replace(/^Input (file|buffer) /i, '');
}
