import sharp from 'sharp';
import type { RgbImage } from '../images/decode.js';
import { pageCaption, renderActivationGrid, tileOrigin, type GridLayout, type GridOptions } from './activation-grid.js';
import type { ActivationPage } from './activations.js';
import type { ColormapName } from './colormap.js';

/** PNG files of what the explain views show, encoded with sharp (text drawn as SVG). */

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function raw(img: RgbImage): sharp.Sharp {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** SVG text over the grid: the caption in the header strip, each tile's channel number in its corner. */
function gridLabels(p: ActivationPage, layout: GridLayout): string {
  const parts: string[] = [];
  if (layout.header > 0) {
    // monospace glyphs are ~0.6 em wide: shrink the caption to the grid's width, then cut it
    const text = pageCaption(p);
    const room = layout.width - 2 * layout.gap - 4;
    const size = Math.max(7, Math.min(13, layout.header - 6, Math.floor(room / (0.6 * text.length))));
    const fits = Math.floor(room / (0.6 * size));
    const shown = text.length > fits ? text.slice(0, Math.max(1, fits - 1)) + '…' : text;
    parts.push(
      `<text x="${layout.gap + 2}" y="${Math.round(layout.header / 2 + size / 2.8)}" font-family="DejaVu Sans Mono, monospace" font-size="${size}" fill="#e8e8e8">${xml(shown)}</text>`,
    );
  }
  if (layout.tileWidth >= 24 && layout.tileHeight >= 14) {
    p.channels.forEach((c, i) => {
      const { x, y } = tileOrigin(layout, i);
      const label = String(c.channel);
      const w = 6 * label.length + 4;
      parts.push(
        `<rect x="${x}" y="${y}" width="${w}" height="12" fill="#000" fill-opacity="0.55"/><text x="${x + 2}" y="${y + 10}" font-family="DejaVu Sans Mono, monospace" font-size="10" fill="#fff">${label}</text>`,
      );
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">${parts.join('')}</svg>`;
}

/** The page as a PNG: tiles in a colour map, a header strip naming layer, shape and channels. */
export async function activationGridPng(p: ActivationPage, o: GridOptions & { colormap?: ColormapName } = {}): Promise<{ png: Buffer; layout: GridLayout }> {
  const { image, layout } = renderActivationGrid(p, o);
  const png = await raw(image)
    .composite([{ input: Buffer.from(gridLabels(p, layout)), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return { png, layout };
}

export async function rgbPng(img: RgbImage): Promise<Buffer> {
  return raw(img).png().toBuffer();
}
