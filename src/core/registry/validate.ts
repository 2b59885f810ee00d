/**
 * Small checks for the JSON registries (config/backbones.json, config/datasets.json). A broken entry
 * must stop petlab with a message naming the file, the entry and the field, never half-work.
 */
import path from 'node:path';
import { PetlabError } from '../errors.js';

export class RegistryReader {
  constructor(
    /** the registry file, for messages */
    readonly file: string,
    /** e.g. "backbone 'mobilenet_v2'" */
    readonly where: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new PetlabError(`${path.basename(this.file)}: ${this.where}: ${field} ${problem}`, {
      hint: `Fix that entry in ${this.file} (or restore the file from git).`,
    });
  }

  obj(v: unknown, field: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'must be an object');
    return v as Record<string, unknown>;
  }

  str(v: unknown, field: string, opts: { pattern?: RegExp; what?: string } = {}): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'must be a non-empty string');
    if (opts.pattern && !opts.pattern.test(v)) this.fail(field, `must be ${opts.what ?? `like ${opts.pattern}`} (got ${JSON.stringify(v)})`);
    return v;
  }

  optStr(v: unknown, field: string, opts: { pattern?: RegExp; what?: string } = {}): string | undefined {
    return v === undefined ? undefined : this.str(v, field, opts);
  }

  int(v: unknown, field: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(field, `must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    return v;
  }

  num(v: unknown, field: string, lo: number, hi: number): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) this.fail(field, `must be a number in [${lo}, ${hi}] (got ${JSON.stringify(v)})`);
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(field, 'must be true or false');
    return v;
  }

  arr(v: unknown, field: string, minLength = 0): unknown[] {
    if (!Array.isArray(v) || v.length < minLength) this.fail(field, minLength > 0 ? `must be a list with at least ${minLength} item(s)` : 'must be a list');
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      this.fail(field, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  }

  /** A relative path that stays inside its folder ("a/b.bin", not "../x" or "/x"). */
  relPath(v: unknown, field: string, allowDot = false): string {
    const s = this.str(v, field);
    if (allowDot && s === '.') return s;
    const parts = s.split(/[\\/]/);
    if (s.startsWith('/') || /^[a-zA-Z]:/.test(s) || parts.some((p) => p === '..' || p === '.' || p === '')) {
      this.fail(field, `must be a plain relative path inside the entry's folder (got ${JSON.stringify(s)})`);
    }
    return s;
  }

  url(v: unknown, field: string): string {
    const s = this.str(v, field);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      this.fail(field, `must be a URL (got ${JSON.stringify(s)})`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') this.fail(field, `must be an http(s) URL (got ${JSON.stringify(s)})`);
    return s;
  }
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
export const MD5_RE = /^[0-9a-f]{32}$/;
export const NAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;

export function readRegistryJson(file: string, readText: (f: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readText(file);
  } catch (e) {
    throw new PetlabError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'The registry ships with petlab in config/; reinstall or restore it from git.',
      cause: e,
    });
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('the top level must be an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new PetlabError(`${file} is not valid JSON: ${(e as Error).message}`, { hint: `Fix ${file} (or restore it from git).`, cause: e });
  }
}

/** Entry i of a registry: its reader, whose messages name the entry (#i until it has a name), and its fields, the name checked. */
export function readEntry(file: string, v: unknown, i: number, kind: string): { r: RegistryReader; o: Record<string, unknown> } {
  const name = typeof (v as { name?: unknown })?.name === 'string' ? (v as { name: string }).name : `#${i}`;
  const r = new RegistryReader(file, `${kind} '${name}'`);
  const o = r.obj(v, 'entry');
  r.str(o.name, 'name', { pattern: NAME_RE, what: 'lowercase letters, digits, _ . -' });
  return { r, o };
}
