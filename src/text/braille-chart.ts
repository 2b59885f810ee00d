/**
 * Line charts in braille: each cell holds 2×4 dots, so a w×h cell chart has 2w×4h points. Pure:
 * returns lines of coloured runs; the pane turns them into <Text>.
 */

export interface Series {
  values: (number | null)[];
  color: string;
}

export interface Run {
  text: string;
  color?: string;
}

// bit of each dot in a braille cell, [x][y]
const DOTS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/**
 * Plot series over a shared x axis (index → column) and y range. Later series are drawn over
 * earlier ones where they share a cell. Points are joined by straight segments.
 */
export function brailleChart(series: Series[], width: number, height: number, yMin: number, yMax: number): Run[][] {
  const W = width * 2;
  const H = height * 4;
  const bits = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  const colors = Array.from({ length: height }, () => new Array<string | undefined>(width).fill(undefined));
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const span = yMax - yMin || 1;
  const px = (i: number) => (n <= 1 ? 0 : Math.round((i / (n - 1)) * (W - 1)));
  const py = (v: number) => H - 1 - Math.round(((Math.min(Math.max(v, yMin), yMax) - yMin) / span) * (H - 1));
  const dot = (x: number, y: number, color: string) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const cx = x >> 1;
    const cy = y >> 2;
    bits[cy][cx] |= DOTS[x & 1][y & 3];
    colors[cy][cx] = color;
  };
  for (const s of series) {
    let prev: [number, number] | undefined;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        prev = undefined;
        return;
      }
      const p: [number, number] = [px(i), py(v)];
      if (prev) {
        const steps = Math.max(Math.abs(p[0] - prev[0]), Math.abs(p[1] - prev[1]), 1);
        for (let k = 0; k <= steps; k++)
          dot(Math.round(prev[0] + ((p[0] - prev[0]) * k) / steps), Math.round(prev[1] + ((p[1] - prev[1]) * k) / steps), s.color);
      } else dot(p[0], p[1], s.color);
      prev = p;
    });
  }
  return bits.map((row, y) => {
    const runs: Run[] = [];
    row.forEach((b, x) => {
      const ch = b ? String.fromCharCode(0x2800 + b) : ' ';
      const color = b ? colors[y][x] : undefined;
      const last = runs.at(-1);
      if (last && last.color === color) last.text += ch;
      else runs.push({ text: ch, color });
    });
    return runs;
  });
}
