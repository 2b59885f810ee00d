import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { environmentError } from '../io/fs-errors.js';
import { hasLogHeader, logHeader, PendingRecords } from '../io/append-log.js';

/**
 * On-disk cache of the frozen part's output (bfloat16 rows at the cut layer) used by fine-tuning,
 * like the embedding cache: a resumed or repeated fine-tuning does not run the frozen layers again.
 * One file per (backbone fingerprint, cut layer): an append-only log of 32-byte keys (file
 * content + view, see images/views.ts) each followed by `size` uint16s. A torn last record (crash
 * mid-append) is dropped on open; a file of another row size is started over.
 */
const MAGIC = Buffer.from('PLFEAT1\0', 'latin1');
const HEADER = MAGIC.length + 4;

export class FeatureCache {
  private map = new Map<string, Uint16Array>();
  private pending: PendingRecords;
  private constructor(
    readonly file: string,
    readonly size: number,
  ) {
    this.pending = new PendingRecords(file, {
      doing: 'writing the frozen-feature cache',
      fix: 'free some space there, or move the cache with --cache-dir DIR or PETLAB_CACHE_DIR',
    });
  }

  static fileFor(cacheDir: string, fingerprint: string, cut: string): string {
    const id = createHash('sha256').update(fingerprint).update('\0').update(cut).digest('hex').slice(0, 32);
    return path.join(cacheDir, 'features', `${id}.bin`);
  }

  static async open(cacheDir: string, fingerprint: string, cut: string, size: number): Promise<FeatureCache> {
    const file = FeatureCache.fileFor(cacheDir, fingerprint, cut);
    const c = new FeatureCache(file, size);
    const fault = (e: unknown) => environmentError(e, { where: path.dirname(file), doing: 'writing the frozen-feature cache' }) ?? e;
    await fs.mkdir(path.dirname(file), { recursive: true }).catch((e: unknown) => {
      throw fault(e);
    });
    const buf = await fs.readFile(file).catch(() => undefined);
    if (!hasLogHeader(buf, MAGIC, size)) {
      await fs.writeFile(file, logHeader(MAGIC, size)).catch((e: unknown) => {
        throw fault(e);
      });
      return c;
    }
    const rec = 32 + size * 2;
    let off = HEADER;
    for (; off + rec <= buf.length; off += rec) {
      const row = new Uint16Array(size);
      Buffer.from(row.buffer).set(buf.subarray(off + 32, off + rec));
      c.map.set(buf.subarray(off, off + 32).toString('hex'), row);
    }
    if (off !== buf.length) await fs.truncate(file, off);
    return c;
  }

  get(key: string): Uint16Array | undefined {
    return this.map.get(key);
  }

  /** Queued for disk only: the caller holds the row already, a second copy here would double the features' memory. */
  put(key: string, row: Uint16Array): void {
    this.pending.push(Buffer.concat([Buffer.from(key, 'hex'), Buffer.from(row.buffer, row.byteOffset, row.byteLength)]));
  }

  /** The row for `key`, forgotten here once read (the caller keeps it), so the cache frees as it is used. */
  take(key: string): Uint16Array | undefined {
    const row = this.map.get(key);
    this.map.delete(key);
    return row;
  }

  flush(): Promise<void> {
    return this.pending.flush();
  }
}
