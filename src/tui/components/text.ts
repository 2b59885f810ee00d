/** Small pure text helpers for panes: list windows, fitted columns, numbers. */
import cliTruncate from 'cli-truncate';
import measure from 'string-width';

// plain ASCII (most names and numbers) is measured and cut directly: panes call fit() thousands
// of times a frame, and string-width's grapheme segmentation is slow for that
const ASCII = /^[\x20-\x7e]*$/;

/** Cells a string takes in a terminal (Ink's own measure): wide characters and emoji take two. */
export function stringWidth(text: string): number {
  return ASCII.test(text) ? text.length : measure(text);
}

/** First visible row of a list of `total` rows in a window of `height`, keeping `selected` in view (centred-ish). */
export function windowStart(total: number, selected: number, height: number): number {
  if (total <= height || height <= 0) return 0;
  const half = Math.floor(height / 2);
  return Math.max(0, Math.min(selected - half, total - height));
}

/** Cut or pad plain text to exactly `width` cells (an ellipsis marks a cut). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (stringWidth(text) > width) {
    const cut = ASCII.test(text) ? `${text.slice(0, width - 1)}…` : cliTruncate(text, width, { truncationCharacter: '…' });
    return cut + ' '.repeat(Math.max(0, width - stringWidth(cut)));
  }
  const pad = ' '.repeat(width - stringWidth(text));
  return align === 'left' ? text + pad : pad + text;
}

/** Like fit, but a cut keeps the end ("…conv_16_project"): where names differ. */
export function fitTail(text: string, width: number): string {
  if (stringWidth(text) <= width) return fit(text, width);
  return fit(ASCII.test(text) ? `…${text.slice(text.length - width + 1)}` : cliTruncate(text, width, { position: 'start', truncationCharacter: '…' }), width);
}

/** 2.26M, 12.8k, 640 */
export function compactCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function shapeText(shape: (number | null)[]): string {
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** A text field edit: typing, backspace, ctrl+u clears. Returns the new value or undefined (not an edit). */
export function editText(value: string, input: string, stroke: { key: string; ctrl: boolean; alt: boolean }): string | undefined {
  if (stroke.key === 'backspace') return value.slice(0, -1 - (value.length >= 2 && /[\uDC00-\uDFFF]/.test(value.at(-1)!) ? 1 : 0));
  if (stroke.ctrl && stroke.key === 'u') return '';
  if (stroke.ctrl && stroke.key === 'w') return value.replace(/\S+\s*$/, '');
  if (stroke.ctrl || stroke.alt) return undefined;
  // typed characters, or a paste (many characters at once); no control characters
  const text = (input || (stroke.key.length === 1 ? stroke.key : '')).replace(/[\x00-\x1f\x7f]/g, '');
  return text ? value + text : undefined;
}
