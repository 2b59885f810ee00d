/**
 * A mirror is laid out like petlab's cache: the file cached at <cacheDir>/<rel> is looked up at
 * <mirror>/<rel>. It is a folder (path or file:// URL) or an http(s) base URL.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Mirror = { kind: 'dir'; dir: string } | { kind: 'url'; base: string };

export const MIRROR_SETTING_HINT = 'set PETLAB_MIRROR=DIR_OR_URL or run `petlab config set mirror DIR_OR_URL`';

/** The mirror setting (settings.mirror, or PETLAB_MIRROR); empty means none. */
export function parseMirror(setting: string | undefined): Mirror | undefined {
  const s = setting?.trim();
  if (!s) return undefined;
  if (/^https?:\/\//i.test(s)) return { kind: 'url', base: s.replace(/\/+$/, '') };
  if (/^file:/i.test(s)) return { kind: 'dir', dir: fileURLToPath(s) };
  const expanded = s === '~' ? os.homedir() : s.startsWith('~/') ? path.join(os.homedir(), s.slice(2)) : s;
  return { kind: 'dir', dir: path.resolve(expanded) };
}

/** Where the mirror holds `cachePath` (forward-slash relative path). */
export function mirrorLocation(m: Mirror, cachePath: string): string {
  const parts = cachePath.split('/').filter((p) => p.length > 0);
  if (m.kind === 'dir') return path.join(m.dir, ...parts);
  return `${m.base}/${parts.map(encodeURIComponent).join('/')}`;
}

/** The mirror to use when the caller did not say: PETLAB_MIRROR. */
export function mirrorFromEnv(explicit: string | undefined): string | undefined {
  return explicit !== undefined ? explicit : process.env.PETLAB_MIRROR;
}
