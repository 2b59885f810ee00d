/**
 * .tar and .tar.gz extraction with node-tar (ustar, GNU long names, pax; gzip detected by content),
 * behind petlab's one rule: files and folders only, every name checked by safeEntryPath first. A
 * link, a device or a name that would land outside the target stops the extraction with an error
 * naming the entry; a damaged archive (bad checksum, truncated, corrupt gzip) is an error too.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Unpack, type ReadEntry } from 'tar';
import { PetlabError } from '../../errors.js';
import { safeEntryPath, unsafeEntry } from './safe-path.js';
import type { ExtractOptions, ExtractStats } from './types.js';

function damaged(archive: string, what: string): PetlabError {
  return new PetlabError(`${path.basename(archive)} is not a valid tar archive: ${what}`, {
    hint: 'The download is probably incomplete or damaged: delete it and download it again.',
  });
}

async function isGzip(archive: string): Promise<boolean> {
  const fh = await fs.open(archive, 'r');
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    return head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Why an entry is refused, or undefined for a file or folder that stays inside `root`. */
function refusal(root: string, entry: ReadEntry, archive: string): PetlabError | undefined {
  const name = entry.path;
  try {
    const target = safeEntryPath(root, name, archive);
    if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
      if (target === path.resolve(root)) return unsafeEntry(archive, name, 'is a file without a name');
      return undefined;
    }
    if (entry.type === 'Directory') return undefined;
  } catch (e) {
    return e as PetlabError;
  }
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    return unsafeEntry(
      archive,
      name,
      `is a ${entry.type === 'SymbolicLink' ? 'symbolic' : 'hard'} link (to '${entry.linkpath}'); only files and folders are extracted`,
    );
  }
  return unsafeEntry(archive, name, `has entry type '${entry.type}', which petlab does not extract (only files and folders)`);
}

/** Extract a .tar or .tar.gz (gzip detected by content) into `root`, which must exist. */
export async function extractTar(archive: string, root: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const stats: ExtractStats = { files: 0, dirs: 0, bytes: 0 };
  let refused: PetlabError | undefined;
  let entries = 0;
  const unpack = new Unpack({
    cwd: root,
    strict: true,
    preserveOwner: false,
    // as before: files get the extraction time (one syscall less per photo)
    noMtime: true,
    filter: (_p, e) => {
      const entry = e as ReadEntry;
      if (entry.type === 'GNUDumpDir' || entry.meta) return false;
      entries++;
      const why = refused ?? refusal(root, entry, archive);
      if (why) {
        refused ??= why;
        unpack.abort(why);
        return false;
      }
      if (entry.type === 'Directory') stats.dirs++;
      else {
        stats.files++;
        stats.bytes += entry.size ?? 0;
      }
      return true;
    },
  });
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      opts.onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  // node-tar reports a broken archive as a warning; strict mode makes it an error we can name
  const closed = new Promise<void>((resolve, reject) => {
    unpack.on('close', resolve);
    unpack.on('error', reject);
  });
  try {
    // gunzip on zlib's thread pool (node-tar's own inflates on the main thread, ~1.5x slower here)
    const stages: NodeJS.ReadWriteStream[] = (await isGzip(archive)) ? [count, createGunzip()] : [count];
    await Promise.all([pipeline([createReadStream(archive, { signal: opts.signal }), ...stages, unpack]), closed]);
  } catch (e) {
    if (refused) throw refused;
    if (e instanceof PetlabError || (e as Error).name === 'AbortError') throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) throw damaged(archive, `gzip data is corrupt (${(e as Error).message})`);
    if (code === 'TAR_ENTRY_INVALID' && /checksum/i.test((e as Error).message)) throw damaged(archive, 'bad header checksum');
    if (code.startsWith('TAR_')) throw damaged(archive, (e as Error).message);
    throw e;
  }
  if (refused) throw refused;
  if (entries === 0) throw damaged(archive, 'it holds no entries');
  return stats;
}
