import type { RgbImage } from '../images/decode.js';
import { colormap, type ColormapName } from './colormap.js';

/**
 * A coarse map (e.g. a 7x7 Grad-CAM) upsampled bilinearly to w x h, sampling at pixel centres
 * (the map's cells cover the image evenly, as the network's receptive grid does).
 */
export function upsampleMap(map: ArrayLike<number>, mh: number, mw: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(mh - 1, Math.max(0, ((y + 0.5) * mh) / h - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(mh - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(mw - 1, Math.max(0, ((x + 0.5) * mw) / w - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(mw - 1, x0 + 1);
      const fx = sx - x0;
      const top = map[y0 * mw + x0] * (1 - fx) + map[y0 * mw + x1] * fx;
      const bottom = map[y1 * mw + x0] * (1 - fx) + map[y1 * mw + x1] * fx;
      out[y * w + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export interface OverlayOptions {
  /** opacity of the heat map where it is strongest (default 0.6) */
  alpha?: number;
  colormap?: ColormapName;
}

/**
 * The image with a [0, 1] map drawn over it in a colour map. The heat's opacity grows with its
 * value, so where the map is zero the picture shows through unchanged.
 */
export function overlayHeatmap(image: RgbImage, map: ArrayLike<number>, mh: number, mw: number, o: OverlayOptions = {}): RgbImage {
  const alpha = Math.max(0, Math.min(1, o.alpha ?? 0.6));
  const lut = colormap(o.colormap ?? 'inferno');
  const up = upsampleMap(map, mh, mw, image.height, image.width);
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < up.length; i++) {
    const v = Math.max(0, Math.min(1, up[i]));
    const a = alpha * Math.sqrt(v); // keep mid values visible
    const k = Math.round(v * 255) * 3;
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(image.data[i * 3 + c] * (1 - a) + lut[k + c] * a);
  }
  return { width: image.width, height: image.height, data };
}

/** Fraction of a non-negative map's total mass inside a rectangle of it (fractions of width/height). */
export function massInRegion(map: ArrayLike<number>, h: number, w: number, region: { x0: number; y0: number; x1: number; y1: number }): number {
  let inside = 0;
  let total = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map[y * w + x];
      total += v;
      const fx = (x + 0.5) / w;
      const fy = (y + 0.5) / h;
      if (fx >= region.x0 && fx < region.x1 && fy >= region.y0 && fy < region.y1) inside += v;
    }
  }
  return total > 0 ? inside / total : 0;
}
