/**
 * A small BMP reader: the sharp build petlab installs has no BMP loader, and sample photos (and
 * some datasets) are BMPs. Handles uncompressed 24/32-bit (BI_RGB, BI_BITFIELDS with the usual
 * masks) and 1/4/8-bit paletted images, bottom-up or top-down.
 */
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
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  if (headerSize < 40) throw new Error('OS/2 BMP headers are not supported');
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || width > 1 << 15 || height > 1 << 15) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  if (compression !== 0 && !(compression === 3 && bpp === 32)) throw new Error(`compressed BMPs (method ${compression}) are not supported`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + stride * height > buf.length) throw new Error('BMP file is truncated');
  let palette: Buffer | undefined;
  if (bpp <= 8) {
    const colours = buf.readUInt32LE(46) || 1 << bpp;
    palette = buf.subarray(14 + headerSize, 14 + headerSize + colours * 4);
  } else if (bpp !== 24 && bpp !== 32) {
    throw new Error(`${bpp}-bit BMPs are not supported`);
  }
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (rawHeight > 0 ? height - 1 - y : y) * stride; // positive height: bottom-up rows
    for (let x = 0; x < width; x++) {
      const q = (y * width + x) * 3;
      if (palette) {
        const bitPos = x * bpp;
        const byte = buf[row + (bitPos >> 3)];
        const idx = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        out[q] = palette[idx * 4 + 2];
        out[q + 1] = palette[idx * 4 + 1];
        out[q + 2] = palette[idx * 4];
      } else {
        const p = row + x * (bpp / 8);
        out[q] = buf[p + 2];
        out[q + 1] = buf[p + 1];
        out[q + 2] = buf[p];
      }
    }
  }
  return { data: out, width, height };
}
