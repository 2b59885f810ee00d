/**
 * .zip extraction with yauzl (central directory, zip64, entry sizes checked) behind petlab's rule:
 * every name is checked before anything is written, links and encrypted entries are refused, and
 * every entry's CRC-32 is checked (yauzl does not), so a damaged archive never extracts quietly.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { PetlabError } from '../../errors.js';
import { safeEntryPath, unsafeEntry } from './safe-path.js';
import type { ExtractOptions, ExtractStats } from './types.js';

function damaged(archive: string, what: string): PetlabError {
  return new PetlabError(`${path.basename(archive)} is not a valid zip archive: ${what}`, {
    hint: 'The download is probably incomplete or damaged: delete it and download it again.',
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The entry's name. yauzl is asked for raw names (its own check would refuse `..\x` with its own
 * message, before petlab can name the entry): flag bit 11 says UTF-8; without it the name is CP437
 * in theory, but most tools write UTF-8 anyway; an Info-ZIP Unicode Path field wins while it
 * belongs to this name (its CRC-32 matches).
 */
function entryName(e: Entry): string {
  const raw = e.fileNameRaw;
  const unicode = e.extraFields.find((f) => f.id === 0x7075 && f.data.length > 5 && f.data.readUInt32LE(1) === crc32(raw));
  if (unicode) return unicode.data.toString('utf8', 5);
  if (e.generalPurposeBitFlag & 0x800) return raw.toString('utf8');
  try {
    return utf8.decode(raw);
  } catch {
    return raw.toString('latin1');
  }
}

async function readEntries(zip: ZipFile): Promise<Entry[]> {
  const entries: Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** Most dataset entries are photos of some KB: one read and one inflate beat a stream pipeline per file. */
const SMALL_ENTRY = 4 << 20;

async function extractSmallEntry(zip: ZipFile, e: Entry, name: string, target: string, archive: string, opts: ExtractOptions): Promise<number> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of await zip.openReadStreamPromise(e, e.compressionMethod === 8 ? { decompress: false } : {})) chunks.push(chunk as Buffer);
  } catch (err) {
    throw damaged(archive, `'${name}': ${(err as Error).message}`);
  }
  const packed = Buffer.concat(chunks);
  opts.onBytes?.(packed.length);
  let data: Buffer;
  try {
    data = e.compressionMethod === 8 ? inflateRawSync(packed, { maxOutputLength: e.uncompressedSize + 1 }) : packed;
  } catch {
    throw damaged(archive, `'${name}' has corrupt compressed data`);
  }
  if (data.length !== e.uncompressedSize) throw damaged(archive, `'${name}' has ${data.length} bytes instead of ${e.uncompressedSize}`);
  if (crc32(data) >>> 0 !== e.crc32 >>> 0) throw damaged(archive, `'${name}' fails its CRC-32 check`);
  await fs.writeFile(target, data);
  return data.length;
}

/** Write one file entry, counting archive bytes for progress, checking its size and CRC-32. */
async function extractEntry(zip: ZipFile, e: Entry, name: string, target: string, archive: string, opts: ExtractOptions): Promise<number> {
  if (e.compressedSize <= SMALL_ENTRY && e.uncompressedSize <= SMALL_ENTRY) return extractSmallEntry(zip, e, name, target, archive, opts);
  let crc = 0;
  let written = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      opts.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (written + chunk.length > e.uncompressedSize)
        return done(damaged(archive, `'${name}' inflates to more than its recorded ${e.uncompressedSize} bytes`));
      crc = crc32(chunk, crc);
      written += chunk.length;
      done(null, chunk);
    },
  });
  try {
    const raw: Readable = await zip.openReadStreamPromise(e, e.compressionMethod === 8 ? { decompress: false } : {});
    const stages: NodeJS.ReadWriteStream[] = e.compressionMethod === 8 ? [count, createInflateRaw(), check] : [count, check];
    await pipeline([raw, ...stages, createWriteStream(target)], { signal: opts.signal });
  } catch (err) {
    if (err instanceof PetlabError || (err as Error).name === 'AbortError') throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) throw damaged(archive, `'${name}' has corrupt compressed data`);
    throw damaged(archive, `'${name}': ${(err as Error).message}`);
  }
  if (written !== e.uncompressedSize) throw damaged(archive, `'${name}' has ${written} bytes instead of ${e.uncompressedSize} (truncated?)`);
  if (crc >>> 0 !== e.crc32 >>> 0) throw damaged(archive, `'${name}' fails its CRC-32 check`);
  return written;
}

/** Extract a .zip into `root`, which must exist. */
export async function extractZip(archive: string, root: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false });
  } catch (e) {
    throw damaged(archive, (e as Error).message);
  }
  const stats: ExtractStats = { files: 0, dirs: 0, bytes: 0 };
  try {
    const entries = await readEntries(zip).catch((e: Error) => {
      throw damaged(archive, e.message);
    });
    // check every name before writing anything
    const checked = entries.map((e) => {
      const name = entryName(e);
      const target = safeEntryPath(root, name, archive);
      const isDir = name.endsWith('/');
      const isLink = e.versionMadeBy >> 8 === 3 && ((e.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
      if (isLink) throw unsafeEntry(archive, name, 'is a symbolic link; only files and folders are extracted');
      if (e.generalPurposeBitFlag & 1) throw unsafeEntry(archive, name, 'is encrypted, which petlab does not support');
      if (!isDir && e.compressionMethod !== 0 && e.compressionMethod !== 8) {
        throw unsafeEntry(archive, name, `uses compression method ${e.compressionMethod}, which petlab cannot read (only stored and deflate)`);
      }
      if (!isDir && target === path.resolve(root)) throw unsafeEntry(archive, name, 'is a file without a name');
      return { e, name, target, isDir };
    });
    if (entries.length === 0) throw damaged(archive, 'it holds no entries');
    const made = new Set<string>();
    const mkdirp = async (d: string) => {
      if (made.has(d)) return;
      await fs.mkdir(d, { recursive: true });
      made.add(d);
    };
    for (const { e, name, target, isDir } of checked) {
      if (isDir) {
        await mkdirp(target);
        stats.dirs++;
        continue;
      }
      await mkdirp(path.dirname(target));
      stats.bytes += await extractEntry(zip, e, name, target, archive, opts);
      stats.files++;
    }
  } finally {
    zip.close();
  }
  return stats;
}
