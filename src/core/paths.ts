import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root (where config/ lives), whatever the current directory is. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFIG_DIR = path.join(PROJECT_ROOT, 'config');

/**
 * The platform's cache folder for petlab: $XDG_CACHE_HOME/petlab (~/.cache/petlab) on Linux,
 * ~/Library/Caches/petlab on macOS, %LOCALAPPDATA%\petlab\Cache on Windows.
 * PETLAB_CACHE_DIR overrides it (tests use this to stay out of the user's cache).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PETLAB_CACHE_DIR) return path.resolve(env.PETLAB_CACHE_DIR);
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'petlab');
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'petlab', 'Cache');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'petlab');
}
