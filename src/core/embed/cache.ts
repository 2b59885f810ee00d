import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { environmentError } from '../io/fs-errors.js';

/**
 * On-disk cache of image embeddings for one backbone fingerprint (weights + preprocessing + input
 * size + resize mode): a second run on the same images never runs the backbone. Keyed by the
 * sha256 of each file's bytes, so renamed or moved images still hit and edited ones miss.
 *
 * Format: an append-only log. Header "PLEMB1\0\0" + uint32 dim; then records of
 * 32-byte digest, 1 status byte (1 = embedding follows, 0 = the file could not be decoded), and
 * dim float32s when status is 1. A torn last record (crash mid-append) is ignored on load.
 */
const MAGIC = Buffer.from('PLEMB1\0\0', 'latin1');
const HEADER = MAGIC.length + 4;

export type CacheEntry = Float32Array | 'undecodable';

export class EmbeddingCache {
  private map = new Map<string, CacheEntry>();
  private pending: Buffer[] = [];
  private constructor(
    readonly file: string,
    readonly dim: number,
  ) {}

  static fileFor(cacheDir: string, fingerprint: string): string {
    return path.join(cacheDir, 'embeddings', `${fingerprint}.bin`);
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
    const valid = buf && buf.length >= HEADER && buf.subarray(0, MAGIC.length).equals(MAGIC) && buf.readUInt32LE(MAGIC.length) === dim;
    if (!valid) {
      // absent, or written by something else: start over
      const head = Buffer.alloc(HEADER);
      MAGIC.copy(head);
      head.writeUInt32LE(dim, MAGIC.length);
      await fs.writeFile(file, head).catch((e: unknown) => {
        throw environmentError(e, { where: path.dirname(file), doing: 'creating the embedding cache' }) ?? e;
      });
      return c;
    }
    let off = HEADER;
    const rec = dim * 4;
    while (off + 33 <= buf!.length) {
      const key = buf!.subarray(off, off + 32).toString('hex');
      const status = buf![off + 32];
      if (status === 1) {
        if (off + 33 + rec > buf!.length) break;
        // copy out: the big read buffer is not kept alive by the entries
        const v = new Float32Array(dim);
        Buffer.from(v.buffer).set(buf!.subarray(off + 33, off + 33 + rec));
        c.map.set(key, v);
        off += 33 + rec;
      } else {
        c.map.set(key, 'undecodable');
        off += 33;
      }
    }
    if (off !== buf!.length) await fs.truncate(file, off); // drop a torn record
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
    const k = Buffer.from(key, 'hex');
    if (value === 'undecodable') {
      this.pending.push(Buffer.concat([k, Buffer.from([0])]));
    } else {
      this.pending.push(Buffer.concat([k, Buffer.from([1]), Buffer.from(value.buffer, value.byteOffset, value.byteLength)]));
    }
  }

  /** Append what was put since the last flush (one write, so records land whole). */
  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    try {
      await fs.appendFile(this.file, data);
    } catch (e) {
      // a partial append is a torn record, dropped on the next open
      throw environmentError(e, { where: path.dirname(this.file), doing: 'writing the embedding cache', fix: 'free some space there, or move the cache with --cache-dir DIR or PETLAB_CACHE_DIR (what was cached so far is kept)' }) ?? e;
    }
  }
}

export async function hashFile(file: string): Promise<string> {
  const data = await fs.readFile(file);
  return createHash('sha256').update(data).digest('hex');
}
