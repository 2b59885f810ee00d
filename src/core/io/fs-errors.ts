import { PetlabError } from '../errors.js';

/**
 * Faults of the machine, not of petlab: a full disk, a read-only folder, a folder petlab may not
 * read. Each becomes one line naming the path and the fix, instead of "internal error".
 */
const CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR']);

export function isEnvironmentFault(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && CODES.has((e as NodeJS.ErrnoException).code ?? '');
}

/**
 * The user's view of a file-system fault, or undefined when e is not one.
 * `doing` says what petlab was doing ("saving the model"), `where` which path it was about.
 */
export function environmentError(e: unknown, o: { where?: string; doing?: string; fix?: string } = {}): PetlabError | undefined {
  if (!isEnvironmentFault(e)) return undefined;
  const where = o.where ?? e.path ?? 'a folder';
  const doing = o.doing ? ` (${o.doing})` : '';
  switch (e.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new PetlabError(`no space left on the disk of ${where}${doing}`, {
        hint: o.fix ?? 'free some space there, or choose another folder (--out, --cache-dir or PETLAB_CACHE_DIR)',
        cause: e,
      });
    case 'EROFS':
      return new PetlabError(`${where} is on a read-only file system${doing}`, {
        hint: o.fix ?? 'choose a writable folder (--out, --cache-dir or PETLAB_CACHE_DIR)',
        cause: e,
      });
    case 'ENOTDIR':
      return new PetlabError(`a file is in the way: part of ${e.path ?? where} is a file, not a folder${doing}`, {
        hint: 'check the path, or choose another folder',
        cause: e,
      });
    default:
      return new PetlabError(`permission denied: ${e.path ?? where}${doing}`, {
        hint: o.fix ?? `check its permissions (ls -ld ${e.path ?? where}), or choose another folder`,
        cause: e,
      });
  }
}

/** Run fn; a file-system fault on the way is rethrown as environmentError(o). */
export async function explainFsFaults<T>(fn: () => Promise<T>, o: { where?: string; doing?: string; fix?: string }): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw environmentError(e, o) ?? e;
  }
}
