/**
 * The first paint, before Ink and React are even loaded: the default layout's empty panes and a
 * status line, drawn with plain escape codes. Ink's first frame replaces it a moment later.
 */
import { fit } from './components/text.js';
import { HEAVY, LIGHT, topEdge } from './components/frame-text.js';
import { computeRects, defaultLayout } from './layout/tree.js';

const TITLES: Record<string, string> = { dataset: 'Dataset', model: 'Model stack', log: 'Training log', predictions: 'Predictions' };
const GREEN = '\x1b[1;32m';
const GREY = '\x1b[90m';
const RESET = '\x1b[0m';

export function splashFrame(columns: number, rows: number, note = 'starting…'): string {
  if (columns < 40 || rows < 10) return '';
  const grid: string[][] = Array.from({ length: rows }, () => new Array<string>(columns).fill(' '));
  const put = (y: number, x: number, text: string, style: string) => {
    [...text].forEach((ch, i) => {
      if (x + i < columns) grid[y][x + i] = i === 0 ? style + ch : ch;
    });
    if (x + [...text].length <= columns) grid[y][Math.min(columns - 1, x + [...text].length - 1)] += RESET;
  };
  const layout = defaultLayout();
  for (const r of computeRects(layout, columns, rows - 1)) {
    const focused = r.id === layout.focus;
    const b = focused ? HEAVY : LIGHT;
    const style = focused ? GREEN : GREY;
    put(r.y, r.x, topEdge(r.width, `${r.number} ${TITLES[r.kind] ?? r.kind}`, focused), style);
    for (let y = r.y + 1; y < r.y + r.height - 1; y++) {
      put(y, r.x, b.v, style);
      put(y, r.x + r.width - 1, b.v, style);
    }
    put(r.y + r.height - 1, r.x, b.bl + b.h.repeat(Math.max(0, r.width - 2)) + b.br, style);
    if (r.height > 2) put(r.y + 1, r.x + 1, fit(note, r.width - 2), '\x1b[2m');
  }
  put(rows - 1, 0, fit(` petlab — ${note}`, columns), '\x1b[7m');
  return '\x1b[H' + grid.map((row) => row.join('')).join('\r\n') + '\x1b[H';
}
