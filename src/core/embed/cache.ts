import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { NETWORK_PIXELS } from '../images/network-pixels.js';
import { writeFileAtomic } from '../io/atomic.js';
import { environmentError } from '../io/fs-errors.js';
import { hasLogHeader, logHeader, PendingRecords, recordIntact, sealRecord } from '../io/append-log.js';

/**
 * On-disk cache of image embeddings for one backbone fingerprint (weights + preprocessing + input
 * size + resize mode): a second run on the same images never runs the backbone. Keyed by the
 * sha256 of each file's bytes, so renamed or moved images still hit and edited ones miss (an edited
 * picture that was undecodable is tried again).
 *
 * Format: an append-only log of fixed-size records after a header "PLEMB2\0\0" + uint32 dim. A
 * record is a 32-byte key, 1 status byte (1 = embedding, 0 = the file could not be decoded), a
 * payload of dim float32s (status 1) or uint16 length + UTF-8 reason (status 0, zero padded), and
 * the CRC-32 of all that. A record that fails its CRC (flipped bit, random bytes, swapped keys) or
 * holds a NaN/Inf is dropped, so its picture is embedded again; fixed sizes mean one bad record
 * never shifts the ones after it. A torn last record (crash mid-append) is dropped too.
 */
const MAGIC = Buffer.from('PLEMB2\0\0', 'latin1');
const HEADER = MAGIC.length + 4;

export interface Undecodable {
  undecodable: string;
}
export type CacheEntry = Float32Array | Undecodable;

export function isUndecodable(e: CacheEntry | undefined): e is Undecodable {
  return !!e && !(e instanceof Float32Array);
}

function recordSize(dim: number): number {
  return 32 + 1 + dim * 4 + 4;
}

function encode(key: string, value: CacheEntry, dim: number): Buffer {
  const size = recordSize(dim);
  const r = Buffer.alloc(size);
  Buffer.from(key, 'hex').copy(r, 0, 0, 32);
  if (isUndecodable(value)) {
    r[32] = 0;
    const text = Buffer.from(value.undecodable, 'utf8').subarray(0, Math.min(2000, dim * 4 - 2));
    r.writeUInt16LE(text.length, 33);
    text.copy(r, 35);
  } else {
    r[32] = 1;
    Buffer.from(value.buffer, value.byteOffset, value.byteLength).copy(r, 33);
  }
  return sealRecord(r);
}

/** The record's entry, or undefined when it is damaged. */
function decode(rec: Buffer, dim: number): CacheEntry | undefined {
  if (!recordIntact(rec)) return undefined;
  if (rec[32] === 0) {
    const n = rec.readUInt16LE(33);
    if (n > dim * 4 - 2) return undefined;
    return { undecodable: rec.subarray(35, 35 + n).toString('utf8') || 'corrupt or not an image' };
  }
  if (rec[32] !== 1) return undefined;
  // copy out: the big read buffer is not kept alive by the entries
  const v = new Float32Array(dim);
  Buffer.from(v.buffer).set(rec.subarray(33, 33 + dim * 4));
  for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i])) return undefined;
  return v;
}

export class EmbeddingCache {
  private map = new Map<string, CacheEntry>();
  private pending: PendingRecords;
  /** records found damaged (and dropped) when the cache was opened */
  damaged = 0;
  private constructor(
    readonly file: string,
    readonly dim: number,
  ) {
    this.pending = new PendingRecords(file, {
      doing: 'writing the embedding cache',
      fix: 'free some space there, or move the cache with --cache-dir DIR or PETLAB_CACHE_DIR (what was cached so far is kept)',
    });
  }

  static fileFor(cacheDir: string, fingerprint: string): string {
    return path.join(cacheDir, 'embeddings', `${fingerprint}.bin`);
  }

  private header(): Buffer {
    return logHeader(MAGIC, this.dim);
  }

  static async open(cacheDir: string, fingerprint: string, dim: number): Promise<EmbeddingCache> {
    const file = EmbeddingCache.fileFor(cacheDir, fingerprint);
    const c = new EmbeddingCache(file, dim);
    await fs.mkdir(path.dirname(file), { recursive: true }).catch((e: unknown) => {
      throw environmentError(e, { where: path.dirname(file), doing: 'opening the embedding cache' }) ?? e;
    });
    let buf: Buffer | undefined;
    try {
      buf = await fs.readFile(file);
    } catch {
      buf = undefined;
    }
    if (!hasLogHeader(buf, MAGIC, dim)) {
      // absent, written by an older petlab or by something else: start over
      await writeFileAtomic(file, c.header()).catch((e: unknown) => {
        throw environmentError(e, { where: path.dirname(file), doing: 'creating the embedding cache' }) ?? e;
      });
      return c;
    }
    const rec = recordSize(dim);
    let off = HEADER;
    for (; off + rec <= buf.length; off += rec) {
      const r = buf.subarray(off, off + rec);
      const e = decode(r, dim);
      if (e) c.map.set(r.subarray(0, 32).toString('hex'), e);
      else c.damaged++;
    }
    if (c.damaged) {
      // rewrite without the damaged records: they are recomputed once, not reported every run
      await writeFileAtomic(file, Buffer.concat([c.header(), ...[...c.map].map(([k, v]) => encode(k, v, dim))]));
    } else if (off !== buf.length) await fs.truncate(file, off); // drop a torn record
    return c;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.map.get(key);
  }

  put(key: string, value: CacheEntry): void {
    this.map.set(key, value);
    this.pending.push(encode(key, value, this.dim));
  }

  /** Append what was put since the last flush (one write, so records land whole). */
  flush(): Promise<void> {
    return this.pending.flush();
  }
}

/**
 * What cached rows of a backbone are keyed by: its fingerprint, the decoder's pixels
 * (NETWORK_PIXELS: rows of other pixels are never read), and int8 when the workers compute in int8.
 */
export function inferenceKey(fingerprint: string, int8: boolean | undefined): string {
  return `${fingerprint}.${NETWORK_PIXELS}${int8 ? '.int8' : ''}`;
}

export async function hashFile(file: string): Promise<string> {
  const data = await fs.readFile(file);
  return createHash('sha256').update(data).digest('hex');
}
