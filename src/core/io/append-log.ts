import { promises as fs } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { environmentError } from './fs-errors.js';

/**
 * The parts shared by petlab's append-only cache files (embeddings, frozen features): a header of
 * an 8-byte magic and a uint32 (the row size), then fixed-size records appended in batches.
 */
export function logHeader(magic: Buffer, n: number): Buffer {
  const head = Buffer.alloc(magic.length + 4);
  magic.copy(head);
  head.writeUInt32LE(n, magic.length);
  return head;
}

/** Whether buf starts with the header logHeader(magic, n) would write. */
export function hasLogHeader(buf: Buffer | undefined, magic: Buffer, n: number): buf is Buffer {
  return !!buf && buf.length >= magic.length + 4 && buf.subarray(0, magic.length).equals(magic) && buf.readUInt32LE(magic.length) === n;
}

/**
 * A record's last 4 bytes hold the CRC-32 of the rest: a flipped bit, random bytes or swapped keys
 * fail it. `seal` writes it into a record allocated with room for it; `intact` checks it.
 */
export function sealRecord(rec: Buffer): Buffer {
  rec.writeUInt32LE(crc32(rec.subarray(0, rec.length - 4)), rec.length - 4);
  return rec;
}

export function recordIntact(rec: Buffer): boolean {
  return crc32(rec.subarray(0, rec.length - 4)) === rec.readUInt32LE(rec.length - 4);
}

/** Records waiting to be appended to `file`; flush writes them in one append, so records land whole. */
export class PendingRecords {
  private pending: Buffer[] = [];
  constructor(
    private readonly file: string,
    /** for the one-line error of a full or read-only disk */
    private readonly fault: { doing: string; fix: string },
  ) {}

  push(record: Buffer): void {
    this.pending.push(record);
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    try {
      await fs.appendFile(this.file, data);
    } catch (e) {
      // a partial append is a torn record, dropped on the next open
      throw environmentError(e, { where: path.dirname(this.file), ...this.fault }) ?? e;
    }
  }
}
