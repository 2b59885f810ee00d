/**
 * A small streaming tar reader (optionally over gunzip): ustar, GNU long names ('L'/'K') and pax
 * headers ('x'/'g'). It writes regular files and folders only; links and device entries are refused,
 * as is any name that would land outside the target folder.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { PetlabError } from '../../errors.js';
import { safeEntryPath, unsafeEntry } from './safe-path.js';
import type { ExtractOptions, ExtractStats } from './types.js';

const BLOCK = 512;
const MAX_META = 1 << 20;

function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

function damaged(archive: string, what: string): PetlabError {
  return new PetlabError(`${path.basename(archive)} is not a valid tar archive: ${what}`, {
    hint: 'The download is probably incomplete or damaged: delete it and download it again.',
  });
}

/** Octal (NUL/space padded) or GNU base-256 number field. */
function parseNumber(b: Buffer, off: number, len: number, archive: string): number {
  if (b[off] & 0x80) {
    if (b[off] === 0xff) throw damaged(archive, 'negative number in a header');
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = b.toString('latin1', off, off + len).replace(/[\0 ]+$/g, '').replace(/^[\0 ]+/, '');
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw damaged(archive, `bad number field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer, archive: string): boolean {
  const stored = parseNumber(h, 148, 8, archive);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 32 : h[i];
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

/** pax records: "<len> key=value\n", len counting the whole record in bytes. */
function parsePax(buf: Buffer, archive: string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) break;
    const sp = buf.indexOf(0x20, pos);
    const len = sp === -1 ? NaN : Number(buf.toString('latin1', pos, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > buf.length) throw damaged(archive, 'bad pax header');
    const rec = buf.toString('utf8', sp + 1, pos + len).replace(/\n$/, '');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

type State = 'header' | 'file' | 'meta' | 'skip' | 'end';

class TarExtractor {
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private state: State = 'header';
  private remaining = 0;
  private padAfter = 0;
  private fh?: FileHandle;
  private entry = '';
  private metaKind = '';
  private meta: Buffer[] = [];
  private longName?: string;
  private longLink?: string;
  private pax: Record<string, string> = {};
  private zeroBlocks = 0;
  private dirs = new Set<string>();
  readonly stats: ExtractStats = { files: 0, dirs: 0, bytes: 0 };

  constructor(
    private readonly archive: string,
    private readonly root: string,
  ) {}

  async push(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length && this.state !== 'end') {
      if (this.state === 'header') {
        const n = Math.min(BLOCK - this.headerFill, chunk.length - off);
        chunk.copy(this.header, this.headerFill, off, off + n);
        this.headerFill += n;
        off += n;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          await this.onHeader(this.header);
        }
        continue;
      }
      const n = Math.min(this.remaining, chunk.length - off);
      const data = chunk.subarray(off, off + n);
      off += n;
      this.remaining -= n;
      if (this.state === 'file') {
        await this.fh!.write(data);
        this.stats.bytes += n;
      } else if (this.state === 'meta') {
        this.meta.push(Buffer.from(data));
      }
      if (this.remaining === 0) await this.endOfData();
    }
  }

  /** After the last byte of input. */
  finish(): void {
    if (this.state === 'file' || this.state === 'meta' || (this.state === 'skip' && this.remaining > 0) || this.headerFill > 0) {
      throw damaged(this.archive, `it ends in the middle of '${this.entry || 'a header'}' (truncated?)`);
    }
    if (this.stats.files === 0 && this.stats.dirs === 0) throw damaged(this.archive, 'it holds no entries');
  }

  async close(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  private async startData(state: 'file' | 'meta' | 'skip', size: number): Promise<void> {
    this.state = state;
    this.remaining = size;
    this.padAfter = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) await this.endOfData();
  }

  private async endOfData(): Promise<void> {
    if (this.state === 'file') {
      await this.fh!.close();
      this.fh = undefined;
      this.stats.files++;
    } else if (this.state === 'meta') {
      const buf = Buffer.concat(this.meta);
      this.meta = [];
      if (this.metaKind === 'L') this.longName = cstr(buf, 0, buf.length);
      else if (this.metaKind === 'K') this.longLink = cstr(buf, 0, buf.length);
      else if (this.metaKind === 'x') Object.assign(this.pax, parsePax(buf, this.archive));
      // 'g' (global pax) carries nothing petlab needs
    }
    if (this.padAfter > 0) {
      this.state = 'skip';
      this.remaining = this.padAfter;
      this.padAfter = 0;
    } else {
      this.state = 'header';
    }
  }

  private async mkdirp(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  private async onHeader(h: Buffer): Promise<void> {
    if (h.every((b) => b === 0)) {
      // two zero blocks end the archive; whatever follows (padding) is ignored
      if (++this.zeroBlocks >= 2) this.state = 'end';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(h, this.archive)) throw damaged(this.archive, `bad header checksum after '${this.entry || 'the start'}'`);
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    let size = parseNumber(h, 124, 12, this.archive);
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (size > MAX_META) throw damaged(this.archive, `oversized '${type}' header`);
      this.metaKind = type;
      this.meta = [];
      await this.startData('meta', size);
      return;
    }
    let name = cstr(h, 0, 100);
    // POSIX ustar splits long names into prefix + name; GNU ("ustar  ") uses those bytes for other things
    if (h.toString('latin1', 257, 263) === 'ustar\0') {
      const prefix = cstr(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.pax.path !== undefined) name = this.pax.path;
    else if (this.longName !== undefined) name = this.longName;
    if (this.pax.size !== undefined) {
      const s = Number(this.pax.size);
      if (!Number.isSafeInteger(s) || s < 0) throw damaged(this.archive, `bad pax size for '${name}'`);
      size = s;
    }
    const link = this.pax.linkpath ?? this.longLink ?? cstr(h, 157, 100);
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.entry = name;

    switch (type) {
      case '0':
      case '7': {
        const target = safeEntryPath(this.root, name, this.archive);
        if (target === path.resolve(this.root)) throw unsafeEntry(this.archive, name, 'is a file without a name');
        await this.mkdirp(path.dirname(target));
        this.fh = await fs.open(target, 'w');
        await this.startData('file', size);
        return;
      }
      case '5': {
        await this.mkdirp(safeEntryPath(this.root, name, this.archive));
        this.stats.dirs++;
        await this.startData('skip', size);
        return;
      }
      case '1':
      case '2':
        throw unsafeEntry(this.archive, name, `is a ${type === '2' ? 'symbolic' : 'hard'} link (to '${link}'); only files and folders are extracted`);
      case 'V':
        await this.startData('skip', size); // GNU volume label
        return;
      default:
        throw unsafeEntry(this.archive, name, `has entry type '${type}', which petlab does not extract (only files and folders)`);
    }
  }
}

/** Extract a .tar or .tar.gz (gzip detected by content) into `root`, which must exist. */
export async function extractTar(archive: string, root: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const head = Buffer.alloc(2);
  const probe = await fs.open(archive, 'r');
  try {
    await probe.read(head, 0, 2, 0);
  } finally {
    await probe.close();
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const tar = new TarExtractor(archive, root);
  const count = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      opts.onBytes?.(chunk.length);
      yield chunk;
    }
  };
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) await tar.push(chunk);
  };
  try {
    const input = createReadStream(archive, { signal: opts.signal });
    if (gzipped) await pipeline(input, count, createGunzip(), sink);
    else await pipeline(input, count, sink);
    tar.finish();
  } catch (e) {
    await tar.close();
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) throw damaged(archive, `gzip data is corrupt (${(e as Error).message})`);
    throw e;
  }
  return tar.stats;
}
