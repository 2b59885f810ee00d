/**
 * A small zip reader: the central directory (with zip64) tells where each entry is; stored and
 * deflated entries stream through zlib's inflateRaw into their file, and every entry's CRC-32 and
 * size are checked, so a damaged archive never extracts quietly. Files and folders only.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { PetlabError } from '../../errors.js';
import { safeEntryPath, unsafeEntry } from './safe-path.js';
import type { ExtractOptions, ExtractStats } from './types.js';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX32 = 0xffffffff;

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  isLink: boolean;
}

function damaged(archive: string, what: string): PetlabError {
  return new PetlabError(`${path.basename(archive)} is not a valid zip archive: ${what}`, {
    hint: 'The download is probably incomplete or damaged: delete it and download it again.',
  });
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, pos);
  return buf.subarray(0, bytesRead);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Flag bit 11 says UTF-8; without it the name is CP437 in theory, but most tools write UTF-8 anyway. */
function decodeName(raw: Buffer, flaggedUtf8: boolean): string {
  if (flaggedUtf8) return raw.toString('utf8');
  try {
    return utf8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

async function readCentralDirectory(fh: FileHandle, fileSize: number, archive: string): Promise<ZipEntry[]> {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged(archive, 'no end-of-central-directory record (truncated?)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === MAX32 || cdOffset === MAX32) {
    const locPos = fileSize - tailLen + eocd - 20;
    const loc = locPos >= 0 ? await readAt(fh, locPos, 20) : Buffer.alloc(0);
    if (loc.length < 20 || loc.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) throw damaged(archive, 'zip64 locator missing');
    const rec = await readAt(fh, Number(loc.readBigUInt64LE(8)), 56);
    if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw damaged(archive, 'zip64 end record missing');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > fileSize) throw damaged(archive, 'central directory lies beyond the end of the file (truncated?)');
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIG) throw damaged(archive, `central directory entry ${i} is broken`);
    const madeBy = cd.readUInt16LE(p + 4);
    const flags = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const mode = cd.readUInt32LE(p + 38) >>> 16;
    const rawName = cd.subarray(p + 46, p + 46 + nameLen);
    const e: ZipEntry = {
      name: '',
      method: cd.readUInt16LE(p + 10),
      flags,
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
      isLink: madeBy >> 8 === 3 && (mode & 0o170000) === 0o120000,
    };
    // zip64 extra field: 64-bit values for whichever fields are 0xffffffff, in this order
    let unicodePath: string | undefined;
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        const next = () => {
          const v = Number(cd.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (e.size === MAX32) e.size = next();
        if (e.compressedSize === MAX32) e.compressedSize = next();
        if (e.localOffset === MAX32) e.localOffset = next();
      } else if (id === 0x7075 && len > 5 && cd.readUInt32LE(x + 5) === crc32(rawName)) {
        // Info-ZIP Unicode Path: the UTF-8 name, valid while it belongs to this header's name
        unicodePath = cd.toString('utf8', x + 9, x + 4 + len);
      }
      x += 4 + len;
    }
    e.name = unicodePath ?? decodeName(rawName, (flags & 0x800) !== 0);
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Most dataset entries are photos of some KB: one read and one inflate beat a stream pipeline per file. */
const SMALL_ENTRY = 4 << 20;

async function extractSmallEntry(fh: FileHandle, e: ZipEntry, dataStart: number, target: string, archive: string, opts: ExtractOptions): Promise<number> {
  const packed = await readAt(fh, dataStart, e.compressedSize);
  if (packed.length < e.compressedSize) throw damaged(archive, `'${e.name}' is cut short (truncated?)`);
  opts.onBytes?.(packed.length);
  let data: Buffer;
  try {
    data = e.method === 8 ? inflateRawSync(packed, { maxOutputLength: e.size + 1 }) : packed;
  } catch {
    throw damaged(archive, `'${e.name}' has corrupt compressed data`);
  }
  if (data.length !== e.size) throw damaged(archive, `'${e.name}' has ${data.length} bytes instead of ${e.size}`);
  if (crc32(data) !== e.crc) throw damaged(archive, `'${e.name}' fails its CRC-32 check`);
  await fs.writeFile(target, data);
  return data.length;
}

async function extractEntry(fh: FileHandle, e: ZipEntry, target: string, archive: string, opts: ExtractOptions): Promise<number> {
  const local = await readAt(fh, e.localOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIG) throw damaged(archive, `local header of '${e.name}' is missing`);
  const dataStart = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (e.compressedSize <= SMALL_ENTRY && e.size <= SMALL_ENTRY) return extractSmallEntry(fh, e, dataStart, target, archive, opts);
  const out = await fs.open(target, 'w');
  let crc = 0;
  let written = 0;
  const count = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      opts.onBytes?.(chunk.length);
      yield chunk;
    }
  };
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      if (written + chunk.length > e.size) throw damaged(archive, `'${e.name}' inflates to more than its recorded ${e.size} bytes`);
      crc = crc32(chunk, crc);
      written += chunk.length;
      await out.write(chunk);
    }
  };
  try {
    if (e.compressedSize > 0) {
      const input = createReadStream(archive, { start: dataStart, end: dataStart + e.compressedSize - 1, signal: opts.signal });
      if (e.method === 8) await pipeline(input, count, createInflateRaw(), sink);
      else await pipeline(input, count, sink);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) throw damaged(archive, `'${e.name}' has corrupt compressed data`);
    throw err;
  } finally {
    await out.close();
  }
  if (written !== e.size) throw damaged(archive, `'${e.name}' has ${written} bytes instead of ${e.size} (truncated?)`);
  if (crc !== e.crc) throw damaged(archive, `'${e.name}' fails its CRC-32 check`);
  return written;
}

/** Extract a .zip into `root`, which must exist. */
export async function extractZip(archive: string, root: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const fh = await fs.open(archive, 'r');
  const stats: ExtractStats = { files: 0, dirs: 0, bytes: 0 };
  try {
    const entries = await readCentralDirectory(fh, (await fh.stat()).size, archive);
    const made = new Set<string>();
    const mkdirp = async (d: string) => {
      if (made.has(d)) return;
      await fs.mkdir(d, { recursive: true });
      made.add(d);
    };
    // check every name before writing anything
    const targets = entries.map((e) => {
      const target = safeEntryPath(root, e.name, archive);
      if (e.isLink) throw unsafeEntry(archive, e.name, 'is a symbolic link; only files and folders are extracted');
      if (e.flags & 1) throw unsafeEntry(archive, e.name, 'is encrypted, which petlab does not support');
      if (!e.name.endsWith('/') && e.method !== 0 && e.method !== 8) {
        throw unsafeEntry(archive, e.name, `uses compression method ${e.method}, which petlab cannot read (only stored and deflate)`);
      }
      if (!e.name.endsWith('/') && target === path.resolve(root)) throw unsafeEntry(archive, e.name, 'is a file without a name');
      return target;
    });
    if (entries.length === 0) throw damaged(archive, 'it holds no entries');
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.name.endsWith('/')) {
        await mkdirp(targets[i]);
        stats.dirs++;
        continue;
      }
      await mkdirp(path.dirname(targets[i]));
      stats.bytes += await extractEntry(fh, e, targets[i], archive, opts);
      stats.files++;
    }
  } finally {
    await fh.close();
  }
  return stats;
}
