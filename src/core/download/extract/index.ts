/**
 * Safe extraction of the archives petlab downloads (.tar.gz, .tar, .zip), recognised by content.
 * Every entry must stay inside the target folder; links are refused.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../../errors.js';
import { extractTar } from './tar.js';
import type { ExtractOptions, ExtractStats } from './types.js';
import { extractZip } from './zip.js';

export type { ExtractOptions, ExtractStats } from './types.js';
export { safeEntryPath } from './safe-path.js';

export type ArchiveKind = 'tar' | 'zip';

/** tar (plain or gzipped) or zip, by the first bytes; the file name decides only when they say nothing. */
export async function archiveKind(archive: string): Promise<ArchiveKind> {
  const fh = await fs.open(archive, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = (await fh.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await fh.close();
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar';
  if (n >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'zip';
  if (n >= 263 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (/\.(tar|tgz|tar\.gz)$/i.test(archive)) return 'tar';
  if (/\.zip$/i.test(archive)) return 'zip';
  throw new PetlabError(`${path.basename(archive)} is neither a tar nor a zip archive`, { hint: 'Delete it and download it again.' });
}

/** Extract `archive` into the existing folder `root`. */
export async function extractArchive(archive: string, root: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const kind = await archiveKind(archive);
  return kind === 'zip' ? extractZip(archive, root, opts) : extractTar(archive, root, opts);
}
