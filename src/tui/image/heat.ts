/**
 * Small heat maps as half-block pictures: a map of 0..255 heat values (a feature map, a confusion
 * cell's share) through a colour map, scaled by nearest neighbour to cols × 2·rows pixels so a 7×7
 * map stays seven clear blocks. Pure; the Activations pane tiles them.
 */
import { colormap, type ColormapName } from '../../core/explain/colormap.js';
import type { RgbImage } from '../../core/images/decode.js';
import { halfBlockLines } from './halfblock.js';

/** The map at `offset` in `heat` (mh × mw, row-major) as `rows` lines of exactly `cols` cells. */
export function heatTileLines(
  heat: ArrayLike<number>,
  offset: number,
  mh: number,
  mw: number,
  cols: number,
  rows: number,
  map: ColormapName = 'viridis',
): string[] {
  const lut = colormap(map);
  const w = Math.max(1, cols);
  const h = Math.max(1, rows) * 2;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const my = Math.min(mh - 1, Math.floor((y * mh) / h));
    for (let x = 0; x < w; x++) {
      const mx = Math.min(mw - 1, Math.floor((x * mw) / w));
      const v = Math.max(0, Math.min(255, Math.round(heat[offset + my * mw + mx]))) * 3;
      const o = (y * w + x) * 3;
      data[o] = lut[v];
      data[o + 1] = lut[v + 1];
      data[o + 2] = lut[v + 2];
    }
  }
  const img: RgbImage = { width: w, height: h, data };
  return halfBlockLines(img, w);
}

/** Cells of a tile for a map of mh × mw shown `cols` cells wide (a cell is two pixels tall). */
export function tileRows(cols: number, mh: number, mw: number): number {
  return Math.max(1, Math.round((cols * mh) / mw / 2));
}
