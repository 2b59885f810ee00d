/**
 * Pictures as text: each cell is '▀' with the upper pixel as foreground and the lower as
 * background, in 24-bit colour. A cell is about twice as tall as wide, so a cell shows two square
 * pixels and the picture keeps its aspect. Every line is exactly `cols` cells wide (padded with
 * plain spaces), so Ink lays it out like any other text.
 */
import type { RgbImage } from '../../core/images/decode.js';

const ESC = '\x1b[';
const RESET = '\x1b[0m';

/** Pixel size to decode at for a box of cols×rows cells (fit inside, keep aspect). */
export function pixelBox(cols: number, rows: number): { width: number; height: number } {
  return { width: Math.max(1, cols), height: Math.max(2, rows * 2) };
}

/** Cells a decoded image takes: its width, and half its height rounded up. */
export function cellSize(img: { width: number; height: number }): { cols: number; rows: number } {
  return { cols: img.width, rows: Math.ceil(img.height / 2) };
}

/**
 * Lines of half blocks for an image already decoded to fit cols × (2·rows) pixels, centred in a
 * cols-wide box. Colour codes are written only when they change along a line.
 */
export function halfBlockLines(img: RgbImage, cols: number): string[] {
  const { width, height, data } = img;
  const w = Math.min(width, cols);
  const left = Math.floor((cols - w) / 2);
  const right = cols - w - left;
  const lines: string[] = [];
  for (let y = 0; y < height; y += 2) {
    let line = ' '.repeat(left);
    let fg = -1;
    let bg = -1;
    for (let x = 0; x < w; x++) {
      const t = (y * width + x) * 3;
      const top = (data[t] << 16) | (data[t + 1] << 8) | data[t + 2];
      // an odd last row: the lower half takes the terminal's own background
      const hasBottom = y + 1 < height;
      const b = ((y + 1) * width + x) * 3;
      const bottom = hasBottom ? (data[b] << 16) | (data[b + 1] << 8) | data[b + 2] : -2;
      // one sequence per colour: Ink's tokenizer splits compound ones at a cost on every frame
      if (top !== fg) {
        line += `${ESC}38;2;${data[t]};${data[t + 1]};${data[t + 2]}m`;
        fg = top;
      }
      if (bottom !== bg) {
        line += hasBottom ? `${ESC}48;2;${data[b]};${data[b + 1]};${data[b + 2]}m` : `${ESC}49m`;
        bg = bottom;
      }
      line += '▀';
    }
    lines.push(line + (w > 0 ? RESET : '') + ' '.repeat(right));
  }
  return lines;
}
