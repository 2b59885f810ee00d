/**
 * The keymap: config/keymap.json (the defaults, data not code) with the user's overrides from
 * conf's store (key `keymap`). A bad override is reported and ignored, never fatal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR } from '../../core/paths.js';
import { formatSequence, KeySpecError, parseSequence, parseStroke, sameStroke, type Sequence, type Stroke } from './keyspec.js';

export const KEYMAP_FILE = path.join(CONFIG_DIR, 'keymap.json');

export type Scope = 'global' | 'pane';

export interface Binding {
  action: string;
  scope: Scope;
  seq: Sequence;
  /** as written, prefix expanded: "ctrl+f c" */
  label: string;
}

export interface Keymap {
  prefix: Stroke;
  bindings: Binding[];
  /** problems found in the user's overrides (shown once in the log) */
  problems: string[];
}

type RawMap = Record<string, string | string[]>;

interface RawKeymap {
  prefix: string;
  global: RawMap;
  pane: RawMap;
}

export function readDefaultKeymap(file = KEYMAP_FILE): RawKeymap {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawKeymap & { $comment?: string };
  return { prefix: raw.prefix, global: raw.global, pane: raw.pane };
}

function asList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function expand(spec: string, prefix: string): Sequence {
  const words = spec.trim().split(/\s+/);
  return parseSequence(words.map((w) => (w === 'prefix' ? prefix : w)).join(' '));
}

/** Flatten user overrides: `{train: "alt+r"}` or `{global: {train: ...}, pane: {...}}`. */
function flattenOverrides(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if ((k === 'global' || k === 'pane') && v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
    else out[k] = v;
  }
  return out;
}

function sameSeq(a: Sequence, b: Sequence): boolean {
  return a.length === b.length && a.every((s, i) => sameStroke(s, b[i]));
}

/**
 * Build the keymap. Overrides replace an action's bindings; where a user's binding takes a key that
 * another action had by default, the user's wins and the other loses that key (and it is said).
 */
export function buildKeymap(defaults: RawKeymap, overrides: unknown = undefined): Keymap {
  const problems: string[] = [];
  const user = overrides && typeof overrides === 'object' && !Array.isArray(overrides) ? flattenOverrides(overrides as Record<string, unknown>) : {};
  if (overrides !== undefined && overrides !== null && (typeof overrides !== 'object' || Array.isArray(overrides)))
    problems.push('keymap: the user setting must be an object like {"train": "alt+r"}; ignored');

  let prefixSpec = defaults.prefix;
  if (user.prefix !== undefined) {
    try {
      if (typeof user.prefix !== 'string') throw new KeySpecError('must be a key like "ctrl+b"');
      parseStroke(user.prefix);
      prefixSpec = user.prefix;
    } catch (e) {
      problems.push(`keymap: prefix: ${(e as Error).message}; kept ${defaults.prefix}`);
    }
  }
  const prefix = parseStroke(prefixSpec);

  const known = new Map<string, Scope>();
  for (const a of Object.keys(defaults.global)) known.set(a, 'global');
  for (const a of Object.keys(defaults.pane)) known.set(a, 'pane');
  for (const a of Object.keys(user))
    if (a !== 'prefix' && !known.has(a)) problems.push(`keymap: unknown action "${a}" (known: ${[...known.keys()].join(', ')})`);

  const bindings: Binding[] = [];
  const userBound: Binding[] = [];
  for (const [action, scope] of known) {
    const def = scope === 'global' ? defaults.global[action] : defaults.pane[action];
    let specs = asList(def) ?? [];
    let fromUser = false;
    if (action in user) {
      const mine = asList(user[action]);
      if (!mine) problems.push(`keymap: ${action}: give a key or a list of keys`);
      else {
        specs = mine;
        fromUser = true;
      }
    }
    for (const spec of specs) {
      try {
        const seq = expand(spec, prefixSpec);
        const b: Binding = { action, scope, seq, label: formatSequence(seq) };
        bindings.push(b);
        if (fromUser) userBound.push(b);
      } catch (e) {
        problems.push(`keymap: ${action}: ${(e as Error).message}`);
      }
    }
  }
  // a user's key displaces a default one in the same scope (global keys shadow pane keys anyway)
  const kept = bindings.filter((b) => {
    if (userBound.includes(b)) return true;
    const taker = userBound.find((u) => u.action !== b.action && u.scope === b.scope && sameSeq(u.seq, b.seq));
    if (taker) problems.push(`keymap: ${b.label} now does ${taker.action} (was ${b.action})`);
    return !taker;
  });
  return { prefix, bindings: kept, problems };
}

/** The keymap in force: defaults plus the user's `keymap` setting (pass it in, or read from conf). */
export async function loadKeymap(overrides?: unknown): Promise<Keymap> {
  let user = overrides;
  if (user === undefined) {
    try {
      const { readUserStore } = await import('../../core/user-store.js');
      user = readUserStore().keymap;
    } catch (e) {
      const km = buildKeymap(readDefaultKeymap());
      km.problems.push(`keymap: could not read the user config (${(e as Error).message}); defaults apply`);
      return km;
    }
  }
  return buildKeymap(readDefaultKeymap(), user);
}

/** Every binding of an action, as the user would type it ("alt+t", "ctrl+f c"). */
export function keysFor(km: Keymap, action: string): string[] {
  return km.bindings.filter((b) => b.action === action).map((b) => b.label);
}

/** The first key of an action, for hints; '' when unbound. */
export function keyFor(km: Keymap, action: string): string {
  return keysFor(km, action)[0] ?? '';
}
