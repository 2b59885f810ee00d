/**
 * Checksums of downloaded files, and the `.verified` marker that lets a start-up trust a cached
 * file by its size and mtime instead of re-hashing megabytes every time.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../io/atomic.js';

export interface Expected {
  sha256?: string;
  md5?: string;
  size?: number;
}

export interface Digests {
  size: number;
  sha256?: string;
  md5?: string;
}

/** The digests `exp` asks for (only those: md5 of 800 MB need not pay for a sha256 too), in one read. */
export async function hashFile(file: string, exp: Expected, signal?: AbortSignal): Promise<Digests> {
  const sha = exp.sha256 ? createHash('sha256') : undefined;
  const md5 = exp.md5 ? createHash('md5') : undefined;
  if (!sha && !md5) return { size: (await fs.stat(file)).size };
  let size = 0;
  await pipeline(
    createReadStream(file),
    async function (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        sha?.update(chunk);
        md5?.update(chunk);
        size += chunk.length;
      }
    },
    { signal },
  );
  return { size, sha256: sha?.digest('hex'), md5: md5?.digest('hex') };
}

export interface Mismatch {
  what: 'size' | 'sha256' | 'md5';
  expected: string;
  actual: string;
}

/** The first way `got` differs from `exp`, if any (a digest `got` lacks counts as different). */
export function compareDigests(exp: Expected, got: Digests): Mismatch | undefined {
  if (exp.size !== undefined && exp.size !== got.size) return { what: 'size', expected: `${exp.size} bytes`, actual: `${got.size} bytes` };
  if (exp.sha256 && exp.sha256.toLowerCase() !== got.sha256)
    return { what: 'sha256', expected: exp.sha256.toLowerCase(), actual: got.sha256 ?? 'not computed' };
  if (exp.md5 && exp.md5.toLowerCase() !== got.md5) return { what: 'md5', expected: exp.md5.toLowerCase(), actual: got.md5 ?? 'not computed' };
  return undefined;
}

interface Marker extends Digests {
  mtimeMs: number;
}

/** Hidden sibling: <dir>/.<file>.verified */
export function markerPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.verified`);
}

/** Record that `file` (as it is now on disk) has these digests. */
export async function writeMarker(file: string, d: Digests): Promise<void> {
  const st = await fs.stat(file);
  const m: Marker = { ...d, size: st.size, mtimeMs: st.mtimeMs };
  await writeFileAtomic(markerPath(file), JSON.stringify(m) + '\n');
}

/**
 * True when a marker says `file`, unchanged since (same size and mtime), has the expected digests:
 * the cheap start-up check.
 */
export async function markerConfirms(file: string, exp: Expected): Promise<boolean> {
  try {
    const [st, text] = await Promise.all([fs.stat(file), fs.readFile(markerPath(file), 'utf8')]);
    const m = JSON.parse(text) as Marker;
    if (m.size !== st.size || m.mtimeMs !== st.mtimeMs) return false;
    return compareDigests(exp, { sha256: m.sha256, md5: m.md5, size: m.size }) === undefined;
  } catch {
    return false;
  }
}

export async function removeWithMarker(file: string): Promise<void> {
  await Promise.all([fs.rm(file, { force: true }), fs.rm(markerPath(file), { force: true })]);
}
