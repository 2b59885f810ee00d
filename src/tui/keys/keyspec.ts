/**
 * Key specs as written in config/keymap.json ("alt+t", "ctrl+f c", "alt+shift+q", "?", "enter")
 * and the strokes src/tui/keys/input.ts reads from the terminal, brought to one comparable form.
 */
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

export const NAMED_KEYS = [
  'up',
  'down',
  'left',
  'right',
  'enter',
  'escape',
  'tab',
  'backspace',
  'delete',
  'pageup',
  'pagedown',
  'home',
  'end',
  'space',
] as const;
const ALIASES: Record<string, string> = { esc: 'escape', return: 'enter', pgup: 'pageup', pgdn: 'pagedown', bs: 'backspace' };
const MODIFIERS: Record<string, 'ctrl' | 'alt' | 'shift'> = {
  ctrl: 'ctrl',
  c: 'ctrl',
  control: 'ctrl',
  alt: 'alt',
  meta: 'alt',
  m: 'alt',
  option: 'alt',
  shift: 'shift',
  s: 'shift',
};

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
