/**
 * Terminal input as key strokes, every one of them, in order. A read from the terminal can hold
 * several keys ("jjjjj" when a key is held, over SSH, under load, or from tmux's send-keys): each
 * character is a stroke. Escape sequences are named keys (arrows, page up...), ESC then a key is
 * alt+key, and only a bracketed paste (ESC[200~ … ESC[201~) is text rather than keys.
 */
import type { Stroke } from './keyspec.js';

export type InputItem = { stroke: Stroke; input: string } | { paste: string };

export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

const plain = (key: string, extra: Partial<Stroke> = {}): Stroke => ({ key, ctrl: false, alt: false, shift: false, ...extra });

/** CSI / SS3 final bytes and "N~" codes of the named keys. */
const FINAL: Record<string, string> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'tab' };
const TILDE: Record<string, string> = { '1': 'home', '7': 'home', '4': 'end', '8': 'end', '2': 'insert', '3': 'delete', '5': 'pageup', '6': 'pagedown' };

/** One character typed: a letter, a symbol, or a control character (ctrl+letter, enter, tab...). */
export function charStroke(ch: string): Stroke {
  const c = ch.codePointAt(0)!;
  if (ch === '\r' || ch === '\n') return plain('enter');
  if (ch === '\t') return plain('tab');
  if (c === 0x7f || c === 0x08) return plain('backspace');
  if (c === 0x1b) return plain('escape');
  if (c === 0) return plain(' ', { ctrl: true });
  if (c >= 1 && c <= 26) return plain(String.fromCharCode(c + 96), { ctrl: true });
  if (/[A-Z]/.test(ch)) return plain(ch.toLowerCase(), { shift: true });
  return plain(ch);
}

/** A CSI or SS3 sequence without its ESC ("[A", "[1;3B", "[5~", "OP"): the named key, if known. */
function sequenceStroke(seq: string): Stroke | undefined {
  const m = /^(?:\[|O)([\d;]*)([A-Za-z~])$/.exec(seq);
  if (!m) return undefined;
  const params = m[1].split(';');
  const name = m[2] === '~' ? TILDE[params[0]] : FINAL[m[2]];
  if (!name || name === 'insert') return undefined;
  // xterm modifiers: 1 + (shift 1, alt 2, ctrl 4)
  const mod = Math.max(0, Number(params[1] ?? 1) - 1);
  const st = plain(name === 'delete' ? 'delete' : name, { shift: Boolean(mod & 1) || m[2] === 'Z', alt: Boolean(mod & 2), ctrl: Boolean(mod & 4) });
  return st;
}

/** One piece of input that starts with ESC: escape alone, alt+key, or a named key's sequence. */
export function escapeStroke(piece: string): Stroke | undefined {
  if (piece === '\x1b') return plain('escape');
  let rest = piece.slice(1);
  let alt = false;
  if (rest.startsWith('\x1b')) {
    // ESC ESC [A: alt+up as some terminals send it
    alt = true;
    rest = rest.slice(1);
  }
  if (rest.length > 1 && (rest[0] === '[' || rest[0] === 'O')) {
    const st = sequenceStroke(rest);
    return st && (alt ? { ...st, alt: true } : st);
  }
  if ([...rest].length === 1) {
    const st = charStroke(rest);
    // ESC then escape is alt+escape; ESC then a character is alt+it (ctrl stays: ESC ^F is ctrl+alt+f)
    return { ...st, alt: true };
  }
  return undefined;
}

/**
 * Turns pieces of input, as the terminal or Ink's input parser delivers them (runs of plain
 * characters, escape sequences one by one), into strokes and pastes. Keeps the state of a paste
 * that spans several reads.
 */
export class InputParser {
  private paste: string | undefined;

  /** A piece of input: a run of characters, or text with escape sequences in it. */
  push(piece: string): InputItem[] {
    const out: InputItem[] = [];
    for (const part of splitSequences(piece)) this.one(part, out);
    return out;
  }

  private one(part: string, out: InputItem[]): void {
    if (this.paste !== undefined) {
      const end = part.indexOf(PASTE_END);
      if (end < 0) {
        this.paste += part;
        return;
      }
      out.push({ paste: this.paste + part.slice(0, end) });
      this.paste = undefined;
      const after = part.slice(end + PASTE_END.length);
      if (after) for (const p of splitSequences(after)) this.one(p, out);
      return;
    }
    if (part === PASTE_START) {
      this.paste = '';
      return;
    }
    if (part.startsWith('\x1b')) {
      const stroke = escapeStroke(part);
      if (stroke) out.push({ stroke, input: stroke.alt || stroke.ctrl || stroke.key.length > 1 ? '' : stroke.key });
      return;
    }
    for (const ch of part) {
      const stroke = charStroke(ch);
      out.push({ stroke, input: stroke.ctrl || stroke.key.length > 1 ? '' : ch });
    }
  }
}

/**
 * Split raw input into plain runs and escape sequences: ESC [ params final, ESC O x, ESC ESC …,
 * ESC and one character. (Ink already splits this way; raw reads need it too.)
 */
export function splitSequences(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const esc = s.indexOf('\x1b', i);
    if (esc < 0) {
      out.push(s.slice(i));
      break;
    }
    if (esc > i) out.push(s.slice(i, esc));
    let j = esc + 1;
    if (s[j] === '\x1b' && (s[j + 1] === '[' || s[j + 1] === 'O')) j++;
    if (s[j] === '[') {
      j++;
      if (s[j] === '[') j++; // legacy ESC [ [ A
      while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x3f) j++;
      j++;
    } else if (s[j] === 'O' && j + 1 < s.length) j += 2;
    else if (j < s.length) j += s.codePointAt(j)! > 0xffff ? 2 : 1;
    out.push(s.slice(esc, Math.min(j, s.length)));
    i = j;
  }
  return out.filter(Boolean);
}
