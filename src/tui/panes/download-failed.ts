/**
 * What the Dataset pane says when the download of the default dataset failed (offline, say): the
 * whole message (the address tried), where the files go, and what to do next — a retry, a mirror,
 * or the user's own pictures; then the core's hint in full. The log's one line is cut to its pane;
 * this is the full story, wrapped here (one Text per row: Ink's own wrap of long words and paths
 * can measure one row short and draw two texts over each other).
 */
import type { Row } from '../components/ListView.js';
import { stringWidth } from '../components/text.js';
import type { DatasetView } from '../state/types.js';

/** Words to rows of at most `width` cells; a word longer than a row (a URL, a path) is cut across rows. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const sep = row ? ' ' : '';
    if (stringWidth(row + sep + word) <= w) {
      row += sep + word;
      continue;
    }
    if (row) rows.push(row);
    row = '';
    let rest = word;
    while (stringWidth(rest) > w) {
      const chars = [...rest];
      let n = 0;
      let cells = 0;
      while (n < chars.length && cells + stringWidth(chars[n]) <= w) cells += stringWidth(chars[n++]);
      rows.push(chars.slice(0, Math.max(1, n)).join(''));
      rest = chars.slice(Math.max(1, n)).join('');
    }
    row = rest;
  }
  if (row || !rows.length) rows.push(row);
  return rows;
}

/** The rows to show, wrapped to `width` and cut to `height` (the last row then says how to see the rest). */
export function downloadFailedRows(err: NonNullable<DatasetView['downloadError']>, width: number, height: number): Row[] {
  const parts: Row[] = [
    { text: `The download failed: ${err.message}`, color: 'red' },
    { text: `Its files go to ${err.cacheDir}.` },
    { text: 'What now:', color: 'yellow' },
    { text: '• "Retry the download" (above) tries again, once the network is back;' },
    { text: '• or a mirror laid out like the cache: start with PETLAB_MIRROR=DIR_OR_URL petlab, or `petlab config set mirror DIR_OR_URL`;' },
    { text: '• or your own pictures, one folder per class: "Open a folder…" (above), or start with `petlab --data DIR`.' },
    ...(err.hint ? [{ text: err.hint, dim: true }] : []),
  ];
  const rows = parts.flatMap((p) => wrapText(p.text, width).map((text) => ({ ...p, text })));
  if (rows.length <= height) return rows;
  const shown = rows.slice(0, Math.max(0, height - 1));
  return [...shown, { text: `… ${rows.length - shown.length} more rows: ctrl-f z zooms the pane`.slice(0, width), dim: true }];
}
