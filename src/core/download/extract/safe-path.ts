/**
 * The one rule of extraction: every entry lands inside the target folder. Absolute paths, drive
 * letters, ".." segments and links are refused with an error naming the entry (never skipped
 * silently, never followed).
 */
import path from 'node:path';
import { PetlabError } from '../../errors.js';

export function unsafeEntry(archive: string, entry: string, why: string): PetlabError {
  return new PetlabError(`refusing to extract ${path.basename(archive)}: entry '${entry}' ${why}`, {
    hint: 'The archive is damaged or unsafe; nothing was written outside the target folder. Delete it and download it again from a source you trust.',
  });
}

/** Absolute destination of `entry` under `root`, or a PetlabError if it would escape. `''` means root itself. */
export function safeEntryPath(root: string, entry: string, archive: string): string {
  if (entry.includes('\0')) throw unsafeEntry(archive, entry.replace(/\0/g, '\\0'), 'has a NUL byte in its name');
  const norm = entry.replace(/\\/g, '/');
  if (norm.startsWith('/') || /^[a-zA-Z]:/.test(norm)) throw unsafeEntry(archive, entry, 'has an absolute path');
  const parts = norm.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafeEntry(archive, entry, "goes up out of the target folder ('..')");
  const full = path.resolve(root, ...parts);
  const rel = path.relative(path.resolve(root), full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw unsafeEntry(archive, entry, 'would be written outside the target folder');
  return full;
}
