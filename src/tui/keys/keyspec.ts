/**
 * Key specs as written in config/keymap.json ("alt+t", "ctrl+f c", "alt+shift+q", "?", "enter")
 * and key strokes as Ink delivers them, brought to one comparable form.
 */
import type { Key } from 'ink';

export interface Stroke {
  /** a printable character, lower case for letters ("t", "?", "%"), or a named key ("up", "enter") */
  key: string;
  ctrl: boolean;
  alt: boolean;
  /** only meaningful for letters and named keys: "?" or "%" carry no shift */
  shift: boolean;
}

/** A binding: one stroke, or a prefix stroke then another (tmux style). */
export type Sequence = Stroke[];

export const NAMED_KEYS = ['up', 'down', 'left', 'right', 'enter', 'escape', 'tab', 'backspace', 'delete', 'pageup', 'pagedown', 'home', 'end', 'space'] as const;
const ALIASES: Record<string, string> = { esc: 'escape', return: 'enter', pgup: 'pageup', pgdn: 'pagedown', bs: 'backspace' };
const MODIFIERS: Record<string, 'ctrl' | 'alt' | 'shift'> = { ctrl: 'ctrl', c: 'ctrl', control: 'ctrl', alt: 'alt', meta: 'alt', m: 'alt', option: 'alt', shift: 'shift', s: 'shift' };

export class KeySpecError extends Error {}

/** Parse one stroke: "alt+t", "ctrl+f", "alt+shift+q", "M-t", "C-f", "?", "+", "enter". */
export function parseStroke(spec: string): Stroke {
  const s = spec.trim();
  if (!s) throw new KeySpecError('empty key');
  // a lone "+" or "-" is the key itself
  const parts = s.length === 1 ? [s] : s.split(/(?<=.)[+-](?=.)/);
  const st: Stroke = { key: '', ctrl: false, alt: false, shift: false };
  for (const [i, raw] of parts.entries()) {
    const last = i === parts.length - 1;
    if (!last) {
      const m = MODIFIERS[raw.toLowerCase()];
      if (!m) throw new KeySpecError(`unknown modifier "${raw}" in "${spec}" (use ctrl, alt, shift)`);
      st[m] = true;
      continue;
    }
    let k = raw;
    if (k.length > 1) {
      k = ALIASES[k.toLowerCase()] ?? k.toLowerCase();
      if (!(NAMED_KEYS as readonly string[]).includes(k)) throw new KeySpecError(`unknown key "${raw}" in "${spec}"`);
      if (k === 'space') k = ' ';
    } else if (/[A-Z]/.test(k)) {
      k = k.toLowerCase();
      st.shift = true;
    }
    st.key = k;
  }
  if (!/^[a-z]$/.test(st.key) && st.key.length === 1) st.shift = false;
  return st;
}

/** Parse a binding: strokes separated by spaces, e.g. "ctrl+f c". "space" names the space bar. */
export function parseSequence(spec: string): Sequence {
  const words = spec.trim().split(/\s+/).filter(Boolean);
  if (!words.length) throw new KeySpecError('empty key binding');
  if (words.length > 2) throw new KeySpecError(`"${spec}": at most a prefix and one key`);
  return words.map(parseStroke);
}

/**
 * The stroke an Ink useInput callback received. Ink reports alt as meta (plain Escape also sets
 * meta, so escape is recognised by name first) and sets shift for upper-case letters.
 */
export function strokeFromInk(input: string, key: Key): Stroke | undefined {
  const mods = { ctrl: Boolean(key.ctrl), alt: Boolean(key.meta), shift: Boolean(key.shift) };
  const named = (k: string, extra: Partial<Stroke> = {}): Stroke => ({ key: k, ...mods, ...extra });
  if (key.escape) return named('escape', { alt: false });
  if (key.return) return named('enter');
  if (key.upArrow) return named('up');
  if (key.downArrow) return named('down');
  if (key.leftArrow) return named('left');
  if (key.rightArrow) return named('right');
  if (key.pageUp) return named('pageup');
  if (key.pageDown) return named('pagedown');
  if (key.home) return named('home');
  if (key.end) return named('end');
  if (key.tab) return named('tab');
  // terminals send DEL (0x7f) for the backspace key; Ink calls that "delete"
  if (key.backspace || key.delete) return named('backspace');
  if (!input) return undefined;
  if (input === '\r' || input === '\n') return named('enter');
  if ([...input].length !== 1) return undefined; // a paste: text, not a key
  let k = input;
  let shift = mods.shift;
  if (/[A-Z]/.test(k)) {
    k = k.toLowerCase();
    shift = true;
  } else if (!/[a-z]/.test(k)) shift = false;
  return { key: k, ctrl: mods.ctrl, alt: mods.alt, shift };
}

/**
 * Several keys Ink delivered as one piece: a control character followed by more ("\x06n" is ctrl+f
 * then n, as tmux's send-keys or a fast typist sends them). Plain text (a paste) gives undefined.
 */
export function splitKeys(input: string): Array<{ stroke: Stroke; input: string }> | undefined {
  // eslint-disable-next-line no-control-regex
  if ([...input].length < 2 || !/[\x00-\x1a\x7f]/.test(input)) return undefined;
  const plain = (key: string, extra: Partial<Stroke> = {}): Stroke => ({ key, ctrl: false, alt: false, shift: false, ...extra });
  return [...input].map((ch) => {
    const c = ch.codePointAt(0)!;
    let stroke: Stroke;
    if (ch === '\r' || ch === '\n') stroke = plain('enter');
    else if (ch === '\t') stroke = plain('tab');
    else if (c === 0x7f || c === 0x08) stroke = plain('backspace');
    else if (c === 0x1b) stroke = plain('escape');
    else if (c >= 1 && c <= 26) stroke = plain(String.fromCharCode(c + 96), { ctrl: true });
    else if (/[A-Z]/.test(ch)) stroke = plain(ch.toLowerCase(), { shift: true });
    else stroke = plain(ch);
    return { stroke, input: stroke.ctrl || stroke.key.length > 1 ? '' : ch };
  });
}

export function sameStroke(a: Stroke, b: Stroke): boolean {
  return a.key === b.key && a.ctrl === b.ctrl && a.alt === b.alt && a.shift === b.shift;
}

/** How a stroke is shown to the user, in the keymap's own words: "alt+t", "ctrl+f", "Q", "↑". */
export function formatStroke(s: Stroke): string {
  const glyph: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→', enter: 'enter', escape: 'esc', ' ': 'space' };
  let k = glyph[s.key] ?? s.key;
  const mods: string[] = [];
  if (s.ctrl) mods.push('ctrl');
  if (s.alt) mods.push('alt');
  if (s.shift) {
    if (/^[a-z]$/.test(k) && !s.ctrl && !s.alt) k = k.toUpperCase();
    else mods.push('shift');
  }
  return [...mods, k].join('+');
}

export function formatSequence(seq: Sequence): string {
  return seq.map(formatStroke).join(' ');
}

/** Is this stroke plain typing (for text fields): a printable character with no ctrl/alt? */
export function isTyping(s: Stroke): boolean {
  return !s.ctrl && !s.alt && s.key.length === 1;
}
