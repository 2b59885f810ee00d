/** Small pure text helpers for panes: list windows, fitted columns, numbers. */

/**
 * Cells a string takes in a terminal: wide East Asian characters and emoji take two, combining marks
 * none. Close enough for file and class names (no escape codes here).
 */
export function stringWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c <= 0x36f) || (c >= 0xfe00 && c <= 0xfe0f) || c === 0x200d) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
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
  let w = stringWidth(text);
  if (w > width) {
    let out = '';
    w = 0;
    for (const ch of text) {
      const cw = stringWidth(ch);
      if (w + cw > width - 1) break;
      out += ch;
      w += cw;
    }
    return out + '…' + ' '.repeat(Math.max(0, width - 1 - w));
  }
  const pad = ' '.repeat(width - w);
  return align === 'left' ? text + pad : pad + text;
}

/** Like fit, but a cut keeps the end ("…conv_16_project"): where names differ. */
export function fitTail(text: string, width: number): string {
  if (stringWidth(text) <= width) return fit(text, width);
  const chars = [...text];
  let out = '';
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = stringWidth(chars[i]);
    if (w + cw > width - 1) break;
    out = chars[i] + out;
    w += cw;
  }
  return fit('…' + out, width);
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
