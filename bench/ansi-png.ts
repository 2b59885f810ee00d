/**
 * A terminal screen (tmux `capture-pane -e -p`: text with SGR colour codes) to a PNG: the cells
 * become an SVG of coloured rectangles and <text> runs in DejaVu Sans Mono, rasterised by sharp.
 * Half blocks (pictures) and bar blocks are drawn as rectangles so they stay crisp.
 */
import sharp from 'sharp';

export interface Cell {
  ch: string;
  fg: string;
  bg: string;
  bold: boolean;
  dim: boolean;
}

const DEFAULT_FG = '#d8d8d8';
const DEFAULT_BG = '#1d1f21';
// a calm 16-colour palette (normal, bright)
const PALETTE = [
  '#1d1f21',
  '#cc6666',
  '#8cc152',
  '#e6c15a',
  '#5f9bd8',
  '#b294bb',
  '#5fb3b3',
  '#c5c8c6',
  '#666a70',
  '#ff7b7b',
  '#a6e35a',
  '#ffe16a',
  '#81a2ff',
  '#d6a8e0',
  '#7fe0e0',
  '#ffffff',
];

function xterm256(n: number): string {
  if (n < 16) return PALETTE[n];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return rgb(v, v, v);
  }
  const i = n - 16;
  const c = (x: number) => (x === 0 ? 0 : 55 + x * 40);
  return rgb(c(Math.floor(i / 36)), c(Math.floor(i / 6) % 6), c(i % 6));
}

function rgb(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Parse a captured screen into rows of cells. */
export function parseScreen(text: string, columns: number): Cell[][] {
  const rows: Cell[][] = [];
  let fg = DEFAULT_FG;
  let bg = DEFAULT_BG;
  let bold = false;
  let dim = false;
  let inverse = false;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const row: Cell[] = [];
    const re = /\x1b\[([0-9;:]*)m|([^\x1b])/gu;
    let m: RegExpExecArray | null;
    while ((m = re.exec(line))) {
      if (m[2] !== undefined) {
        const [f, b] = inverse ? [bg, fg] : [fg, bg];
        row.push({ ch: m[2], fg: f, bg: b, bold, dim });
        continue;
      }
      const p = (m[1] || '0').split(/[;:]/).map(Number);
      for (let i = 0; i < p.length; i++) {
        const n = p[i];
        if (n === 0) [fg, bg, bold, dim, inverse] = [DEFAULT_FG, DEFAULT_BG, false, false, false];
        else if (n === 1) bold = true;
        else if (n === 2) dim = true;
        else if (n === 22) [bold, dim] = [false, false];
        else if (n === 7) inverse = true;
        else if (n === 27) inverse = false;
        else if (n >= 30 && n <= 37) fg = PALETTE[n - 30];
        else if (n >= 90 && n <= 97) fg = PALETTE[n - 90 + 8];
        else if (n >= 40 && n <= 47) bg = PALETTE[n - 40];
        else if (n >= 100 && n <= 107) bg = PALETTE[n - 100 + 8];
        else if (n === 39) fg = DEFAULT_FG;
        else if (n === 49) bg = DEFAULT_BG;
        else if ((n === 38 || n === 48) && p[i + 1] === 5) {
          const c = xterm256(p[i + 2]);
          if (n === 38) fg = c;
          else bg = c;
          i += 2;
        } else if ((n === 38 || n === 48) && p[i + 1] === 2) {
          const c = rgb(p[i + 2], p[i + 3], p[i + 4]);
          if (n === 38) fg = c;
          else bg = c;
          i += 4;
        }
      }
    }
    while (row.length < columns) row.push({ ch: ' ', fg: inverse ? bg : fg, bg: DEFAULT_BG, bold: false, dim: false });
    rows.push(row.slice(0, columns));
  }
  return rows;
}

// left-aligned fractions of a cell filled by the bar blocks
const LEFT_BLOCKS: Record<string, number> = { '█': 1, '▉': 7 / 8, '▊': 6 / 8, '▋': 5 / 8, '▌': 4 / 8, '▍': 3 / 8, '▎': 2 / 8, '▏': 1 / 8 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function dimmed(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number, d: number) => Math.round(c * 0.55 + d * 0.45);
  const bg = parseInt(DEFAULT_BG.slice(1), 16);
  return rgb(mix(n >> 16, bg >> 16), mix((n >> 8) & 255, (bg >> 8) & 255), mix(n & 255, bg & 255));
}

export function screenToSvg(rows: Cell[][], o: { cellW?: number; cellH?: number; fontSize?: number; pad?: number } = {}): string {
  const cw = o.cellW ?? 10;
  const chh = o.cellH ?? 20;
  const fs = o.fontSize ?? 16.4;
  const pad = o.pad ?? 12;
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * cw + 2 * pad;
  const H = rows.length * chh + 2 * pad;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="${DEFAULT_BG}" rx="8"/>`,
  ];
  rows.forEach((row, y) => {
    const top = pad + y * chh;
    // backgrounds, in runs
    let x = 0;
    while (x < row.length) {
      let e = x;
      while (e < row.length && row[e].bg === row[x].bg) e++;
      if (row[x].bg !== DEFAULT_BG) parts.push(`<rect x="${pad + x * cw}" y="${top}" width="${(e - x) * cw}" height="${chh}" fill="${row[x].bg}"/>`);
      x = e;
    }
    // glyphs: blocks as rectangles, the rest as text runs of one style
    x = 0;
    while (x < row.length) {
      const c = row[x];
      const left = pad + x * cw;
      if (c.ch === '▀') {
        parts.push(`<rect x="${left}" y="${top}" width="${cw}" height="${chh / 2}" fill="${c.fg}"/>`);
        x++;
        continue;
      }
      if (c.ch === '▄') {
        parts.push(`<rect x="${left}" y="${top + chh / 2}" width="${cw}" height="${chh / 2}" fill="${c.fg}"/>`);
        x++;
        continue;
      }
      if (LEFT_BLOCKS[c.ch]) {
        parts.push(`<rect x="${left}" y="${top + 2}" width="${cw * LEFT_BLOCKS[c.ch]}" height="${chh - 4}" fill="${c.dim ? dimmed(c.fg) : c.fg}"/>`);
        x++;
        continue;
      }
      let e = x;
      let text = '';
      while (
        e < row.length &&
        row[e].fg === c.fg &&
        row[e].bold === c.bold &&
        row[e].dim === c.dim &&
        row[e].ch !== '▀' &&
        row[e].ch !== '▄' &&
        !LEFT_BLOCKS[row[e].ch]
      ) {
        text += row[e].ch;
        e++;
      }
      if (text.trim()) {
        parts.push(
          `<text x="${left}" y="${top + chh * 0.78}" textLength="${(e - x) * cw}" lengthAdjust="spacingAndGlyphs" font-family="DejaVu Sans Mono" font-size="${fs}" fill="${c.dim ? dimmed(c.fg) : c.fg}"${c.bold ? ' font-weight="bold"' : ''} xml:space="preserve">${esc(text)}</text>`,
        );
      }
      x = e;
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export async function screenToPng(capture: string, columns: number, file: string): Promise<{ bytes: number; width: number; height: number }> {
  const svg = screenToSvg(parseScreen(capture, columns));
  const info = await sharp(Buffer.from(svg), { density: 72 }).png({ compressionLevel: 9, palette: true, quality: 90, effort: 10 }).toFile(file);
  return { bytes: info.size, width: info.width, height: info.height };
}
