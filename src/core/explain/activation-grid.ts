import type { RgbImage } from '../images/decode.js';
import type { ActivationPage } from './activations.js';
import { colormap, type ColormapName } from './colormap.js';

/**
 * The layout of a page of feature maps as a grid of tiles, and the grid drawn as RGB pixels.
 * Pure arithmetic on plain data: the TUI can use the layout to place its own small heat maps,
 * the CLI encodes the drawn grid as a PNG.
 */

export interface GridOptions {
  /** a map is scaled up by a whole factor until its tile is at least this many pixels wide */
  minTile?: number;
  /** pixels between tiles (and around the grid) */
  gap?: number;
  /** height of the header strip above the grid (0 for none) */
  header?: number;
  /** tiles per row (default: as square a grid as the page allows) */
  columns?: number;
}

export interface GridLayout {
  columns: number;
  rows: number;
  /** integer scale from map pixels to tile pixels (nearest neighbour: a 7x7 map stays 7x7 blocks) */
  scale: number;
  tileWidth: number;
  tileHeight: number;
  gap: number;
  header: number;
  width: number;
  height: number;
}

export const GRID_DEFAULTS = { minTile: 64, gap: 2, header: 20 } as const;

/**
 * columns = ceil(sqrt(count)) (or as given), rows = ceil(count / columns);
 * scale = max(1, ceil(minTile / mapWidth)); tile = map size x scale;
 * width = columns x tile + (columns + 1) x gap; height = header + rows x tile + (rows + 1) x gap.
 */
export function gridLayout(count: number, mapHeight: number, mapWidth: number, o: GridOptions = {}): GridLayout {
  const minTile = o.minTile ?? GRID_DEFAULTS.minTile;
  const gap = o.gap ?? GRID_DEFAULTS.gap;
  const header = o.header ?? GRID_DEFAULTS.header;
  const n = Math.max(1, count);
  const columns = Math.max(1, Math.min(n, o.columns ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / columns);
  const scale = Math.max(1, Math.ceil(minTile / Math.max(1, mapWidth)));
  const tileWidth = mapWidth * scale;
  const tileHeight = mapHeight * scale;
  return {
    columns,
    rows,
    scale,
    tileWidth,
    tileHeight,
    gap,
    header,
    width: columns * tileWidth + (columns + 1) * gap,
    height: header + rows * tileHeight + (rows + 1) * gap,
  };
}

/** Top-left pixel of tile i. */
export function tileOrigin(layout: GridLayout, i: number): { x: number; y: number } {
  const col = i % layout.columns;
  const row = Math.floor(i / layout.columns);
  return { x: layout.gap + col * (layout.tileWidth + layout.gap), y: layout.header + layout.gap + row * (layout.tileHeight + layout.gap) };
}

/** One line describing the page: layer, shape, which channels. */
export function pageCaption(p: ActivationPage): string {
  const first = p.firstRank + 1;
  const last = p.firstRank + p.channels.length;
  return `${p.layer}  ${p.shape.join('x')}  channels ranked ${first}-${last} of ${p.shape[2]} (page ${p.page + 1}/${p.pages})`;
}

/** The page's heat maps in a colour map, tiles on a dark background (the header strip left blank). */
export function renderActivationGrid(p: ActivationPage, o: GridOptions & { colormap?: ColormapName } = {}): { image: RgbImage; layout: GridLayout } {
  const layout = gridLayout(p.channels.length, p.mapHeight, p.mapWidth, o);
  const lut = colormap(o.colormap ?? 'viridis');
  const { width, height, scale } = layout;
  const data = new Uint8Array(width * height * 3).fill(24);
  const n = p.mapHeight * p.mapWidth;
  for (let i = 0; i < p.channels.length; i++) {
    const { x: ox, y: oy } = tileOrigin(layout, i);
    for (let ty = 0; ty < layout.tileHeight; ty++) {
      const my = Math.floor(ty / scale);
      let out = ((oy + ty) * width + ox) * 3;
      const rowBase = i * n + my * p.mapWidth;
      for (let tx = 0; tx < layout.tileWidth; tx++) {
        const v = p.heat[rowBase + Math.floor(tx / scale)] * 3;
        data[out++] = lut[v];
        data[out++] = lut[v + 1];
        data[out++] = lut[v + 2];
      }
    }
  }
  return { image: { width, height, data }, layout };
}
