/**
 * Perceptually ordered colour maps as 256-entry RGB lookup tables, interpolated linearly between
 * ten evenly spaced colours of matplotlib's viridis and inferno (dark = low, bright = high).
 */

export type ColormapName = 'viridis' | 'inferno';

const STOPS: Record<ColormapName, string[]> = {
  viridis: ['440154', '482878', '3e4a89', '31688e', '26828e', '1f9e89', '35b779', '6dcd59', 'b4de2c', 'fde725'],
  inferno: ['000004', '1b0c42', '4b0c6b', '781c6d', 'a52c60', 'cf4446', 'ed6925', 'fb9a06', 'f7d03c', 'fcffa4'],
};

const tables = new Map<ColormapName, Uint8Array>();

/** 256 x RGB: the colour of heat value v is lut[3v .. 3v+2]. */
export function colormap(name: ColormapName): Uint8Array {
  let lut = tables.get(name);
  if (lut) return lut;
  const stops = STOPS[name].map((h) => [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)));
  lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) {
    const pos = (v / 255) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(pos));
    const f = pos - i;
    for (let c = 0; c < 3; c++) lut[v * 3 + c] = Math.round(stops[i][c] * (1 - f) + stops[i + 1][c] * f);
  }
  tables.set(name, lut);
  return lut;
}

export const COLORMAPS: ColormapName[] = ['viridis', 'inferno'];
