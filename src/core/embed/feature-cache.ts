import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { environmentError } from '../io/fs-errors.js';
import { writeFileAtomic, writeFileAtomicWith } from '../io/atomic.js';
import { hasLogHeader, logHeader, PendingRecords, recordIntact, sealRecord } from '../io/append-log.js';

/**
 * On-disk cache of the frozen part's output (bfloat16 rows at the cut layer) used by fine-tuning,
 * like the embedding cache: a resumed or repeated fine-tuning does not run the frozen layers again.
 * One file per (backbone fingerprint, cut layer): an append-only log of records, each a 32-byte key
 * (file content + view, see images/views.ts), `size` uint16s and the CRC-32 of both (checked as the
 * embedding cache checks its records, append-log.ts). A record failing its CRC or holding a NaN/Inf
 * is dropped and the file rewritten atomically without it, so those features are computed again; a
 * torn end (crash mid-append, truncated file) is cut. A file of another row size is started over.
 */
const MAGIC = Buffer.from('PLFEAT2\0', 'latin1');
const HEADER = MAGIC.length + 4;
/** the file is read (and rewritten) this many bytes at a time: never held whole in memory */
const CHUNK = 8 << 20;

export interface FeatureCacheDamage {
  /** records dropped: checksum or values */
  records: number;
  /** bytes of a torn last record cut */
  tornBytes: number;
}

/** bfloat16 NaN or Inf: all exponent bits set. */
function finiteBf16(row: Uint16Array): boolean {
  for (let i = 0; i < row.length; i++) if ((row[i] & 0x7f80) === 0x7f80) return false;
  return true;
}

export class FeatureCache {
  private map = new Map<string, Uint16Array>();
  /** how many more times each wanted key will be taken (open's `wanted`): its row is forgotten after the last */
  private uses?: Map<string, number>;
  private pending: PendingRecords;
  /** what was wrong with the file when opened (and repaired), if anything */
  damage?: FeatureCacheDamage;
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

  private get recordSize(): number {
    return 32 + this.size * 2 + 4;
  }

  /**
   * Open (or start) the cache; only the rows of `wanted` keys (all when absent) are kept in memory.
   * A key given k times is taken k times (the same picture in two splits) before its row is forgotten.
   */
  static async open(cacheDir: string, fingerprint: string, cut: string, size: number, wanted?: Iterable<string>): Promise<FeatureCache> {
    const file = FeatureCache.fileFor(cacheDir, fingerprint, cut);
    const c = new FeatureCache(file, size);
    if (wanted) {
      c.uses = new Map();
      for (const k of wanted) c.uses.set(k, (c.uses.get(k) ?? 0) + 1);
    }
    const fault = (e: unknown) => environmentError(e, { where: path.dirname(file), doing: 'writing the frozen-feature cache' }) ?? e;
    await fs.mkdir(path.dirname(file), { recursive: true }).catch((e: unknown) => {
      throw fault(e);
    });
    const fh = await fs.open(file, 'r').catch(() => undefined);
    let keep: number[] | undefined;
    let end = 0;
    let total = 0;
    if (fh) {
      try {
        total = (await fh.stat()).size;
        const head = Buffer.alloc(HEADER);
        await fh.read(head, 0, HEADER, 0);
        if (hasLogHeader(head, MAGIC, size)) [keep, end] = await c.load(fh, total);
      } finally {
        await fh.close();
      }
    }
    if (!keep) {
      // absent, of another row size or an older format: start over
      await writeFileAtomic(file, logHeader(MAGIC, size)).catch((e: unknown) => {
        throw fault(e);
      });
      return c;
    }
    const records = (end - HEADER) / c.recordSize - keep.length;
    if (records || end !== total) c.damage = { records, tornBytes: total - end };
    if (records) await c.rewrite(keep).catch((e: unknown) => Promise.reject(fault(e)));
    else if (end !== total) await fs.truncate(file, end).catch((e: unknown) => Promise.reject(fault(e)));
    return c;
  }

  /** Check every record, keep the wanted sound rows; the offsets of the sound records and the end of the last whole one. */
  private async load(fh: fs.FileHandle, total: number): Promise<[number[], number]> {
    const rec = this.recordSize;
    const per = Math.max(1, Math.floor(CHUNK / rec));
    const chunk = Buffer.allocUnsafeSlow(per * rec); // its own ArrayBuffer: rows at even offsets view it as uint16
    const keep: number[] = [];
    let off = HEADER;
    while (off + rec <= total) {
      const k = Math.min(per, Math.floor((total - off) / rec));
      const { bytesRead } = await fh.read(chunk, 0, k * rec, off);
      if (bytesRead < k * rec) break;
      for (let j = 0; j < k; j++) {
        const r = chunk.subarray(j * rec, (j + 1) * rec);
        const row = new Uint16Array(chunk.buffer, chunk.byteOffset + j * rec + 32, this.size);
        if (!recordIntact(r) || !finiteBf16(row)) continue;
        keep.push(off + j * rec);
        const key = r.subarray(0, 32).toString('hex');
        if (!this.uses || this.uses.has(key)) this.map.set(key, row.slice());
      }
      off += k * rec;
    }
    return [keep, off];
  }

  /**
   * The file without its damaged records, into a sibling swapped in at the end: one read per span
   * of the file (at most a chunk) that holds the next records kept, the dropped ones between them
   * squeezed out before it is written.
   */
  private async rewrite(keep: number[]): Promise<void> {
    const rec = this.recordSize;
    const buf = Buffer.allocUnsafeSlow(Math.max(1, Math.floor(CHUNK / rec)) * rec);
    const src = await fs.open(this.file, 'r');
    try {
      await writeFileAtomicWith(this.file, async (out) => {
        await out.write(logHeader(MAGIC, this.size));
        for (let i = 0; i < keep.length;) {
          const start = keep[i];
          let j = i;
          while (j + 1 < keep.length && keep[j + 1] + rec - start <= buf.length) j++;
          const span = keep[j] + rec - start;
          const { bytesRead } = await src.read(buf, 0, span, start);
          if (bytesRead < span) throw new Error(`${this.file} changed while it was rewritten`);
          let at = 0;
          for (let k = i; k <= j; k++, at += rec) if (keep[k] - start !== at) buf.copy(buf, at, keep[k] - start, keep[k] - start + rec);
          await out.write(buf, 0, at);
          i = j + 1;
        }
      });
    } finally {
      await src.close();
    }
  }

  get(key: string): Uint16Array | undefined {
    return this.map.get(key);
  }

  /**
   * Queued for disk; the caller holds the row already, a second copy here would double the features'
   * memory: kept only when the key is still to be taken (a picture of the next split too).
   */
  put(key: string, row: Uint16Array): void {
    if ((this.uses?.get(key) ?? 0) > 0 && !this.map.has(key)) this.map.set(key, row.slice());
    const r = Buffer.alloc(this.recordSize);
    Buffer.from(key, 'hex').copy(r, 0, 0, 32);
    Buffer.from(row.buffer, row.byteOffset, row.byteLength).copy(r, 32);
    this.pending.push(sealRecord(r));
  }

  /** The row for `key`, forgotten here after its last use (the caller keeps it), so the cache frees as it is used. */
  take(key: string): Uint16Array | undefined {
    const row = this.map.get(key);
    const left = (this.uses?.get(key) ?? 1) - 1;
    if (left > 0) this.uses!.set(key, left);
    else {
      this.uses?.delete(key);
      this.map.delete(key);
    }
    return row;
  }

  flush(): Promise<void> {
    return this.pending.flush();
  }
}
