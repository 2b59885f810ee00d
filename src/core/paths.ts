import path from 'node:path';
import envPaths from 'env-paths';
import { fileURLToPath } from 'node:url';

/** The project's root (where config/ lives), whatever the current directory is. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFIG_DIR = path.join(PROJECT_ROOT, 'config');

/**
 * The platform's cache folder for petlab, from env-paths: $XDG_CACHE_HOME/petlab (~/.cache/petlab)
 * on Linux, ~/Library/Caches/petlab on macOS, %LOCALAPPDATA%\petlab\Cache on Windows.
 * PETLAB_CACHE_DIR overrides it (tests use this to stay out of the user's cache).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PETLAB_CACHE_DIR) return path.resolve(env.PETLAB_CACHE_DIR);
  return envPaths('petlab', { suffix: '' }).cache;
}

/**
 * The platform's data folder for petlab, from env-paths: $XDG_DATA_HOME/petlab (~/.local/share/petlab)
 * on Linux, ~/Library/Application Support/petlab on macOS, %LOCALAPPDATA%\petlab\Data on Windows.
 * The workbench saves its models here (models/<data>-<backbone>) and remembers the last one per
 * dataset. PETLAB_DATA_DIR overrides it (tests use this to stay out of the user's home).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PETLAB_DATA_DIR) return path.resolve(env.PETLAB_DATA_DIR);
  return envPaths('petlab', { suffix: '' }).data;
}
