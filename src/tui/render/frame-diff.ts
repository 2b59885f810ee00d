/**
 * The bytes that turn the screen showing one full-screen frame into the next: only the rows that
 * changed, each moved to (`CSI row;1H`), written whole as its styled string, then its style reset
 * and the rest of the row erased. Ink repaints every row of a frame as tall as the terminal on every
 * render (clear screen + ~48 KB); this sends a few hundred bytes for a moved selection.
 *
 * A frame is Ink's output: rows joined by "\n", each row's styles closed at its end, trailing
 * blanks trimmed. A row is compared as its full styled string, so a change of colour alone is a
 * change, and wide characters need no column arithmetic: the row is rewritten from column 1.
 */
import stringWidth from 'string-width';

const ESC = '\x1b[';
const RESET = `${ESC}m`;
const ERASE_TO_END_OF_ROW = `${ESC}K`;
const ERASE_BELOW = `${ESC}J`;

export interface Screen {
  rows: string[];
  columns: number;
  height: number;
}

export function frameRows(frame: string): string[] {
  return frame.split('\n');
}

/** Move to row `row` (1-based), write it whole, close its styles, erase what an older, longer row left. */
function rowAt(row: number, text: string, columns: number): string {
  // a row as wide as the terminal leaves the cursor pending a wrap in its last column, where
  // erase-to-end-of-row would blank that column (the pane's right border): nothing is left to erase
  const erase = stringWidth(text) >= columns ? '' : ERASE_TO_END_OF_ROW;
  return `${ESC}${row};1H${text}${RESET}${erase}`;
}

/**
 * The bytes from `prev` on the screen to `next`, or undefined when only a full repaint will do:
 * no previous frame, a new terminal size, or a frame taller than the terminal (it would scroll).
 * An unchanged frame is "" (nothing to send). The cursor ends where a full write of `next` leaves
 * it: after the last row's text.
 */
export function diffFrame(prev: Screen | undefined, next: Screen): string | undefined {
  if (!prev || prev.columns !== next.columns || prev.height !== next.height) return undefined;
  if (next.rows.length > next.height) return undefined;
  let out = '';
  for (let i = 0; i < next.rows.length; i++) if (next.rows[i] !== prev.rows[i]) out += rowAt(i + 1, next.rows[i], next.columns);
  // a shorter frame: the rows below it are blank now
  if (prev.rows.length > next.rows.length && prev.rows.slice(next.rows.length).some((r) => r !== ''))
    out += `${ESC}${next.rows.length + 1};1H${RESET}${ERASE_BELOW}`;
  if (out === '') return '';
  const last = next.rows.length;
  const col = Math.min(next.columns, stringWidth(next.rows[last - 1] ?? '') + 1);
  return `${out}${ESC}${Math.max(1, last)};${col}H`;
}
