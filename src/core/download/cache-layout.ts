/**
 * Where downloads live in petlab's cache folder, and the mirror layout (same relative paths):
 *   <cacheDir>/backbones/<name>/<file>
 *   <cacheDir>/datasets/<name>/<archive>
 *   <cacheDir>/datasets/<name>/extracted/...      (complete once it holds EXTRACTED_MARKER)
 */
import { statSync } from 'node:fs';
import path from 'node:path';

export const EXTRACTED_MARKER = '.petlab-extracted.json';

export function backboneDir(cacheDir: string, name: string): string {
  return path.join(cacheDir, 'backbones', name);
}

/** Relative cache path (forward slashes), also the path under a mirror. */
export function backboneCachePath(name: string, file: string): string {
  return ['backbones', name, file].join('/');
}

export function datasetDir(cacheDir: string, name: string): string {
  return path.join(cacheDir, 'datasets', name);
}

export function datasetCachePath(name: string, file: string): string {
  return ['datasets', name, file].join('/');
}

export function datasetExtractDir(cacheDir: string, name: string): string {
  return path.join(datasetDir(cacheDir, name), 'extracted');
}

/** The folder to pass as --data once the dataset is extracted. */
export function datasetDataDir(cacheDir: string, entry: { name: string; dataDir: string }): string {
  return path.join(datasetExtractDir(cacheDir, entry.name), entry.dataDir);
}

function sizeOf(p: string): number | undefined {
  try {
    const st = statSync(p);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

/** Cheap: every required file is in the cache with its registered size (no hashing). */
export function backboneFilesPresent(cacheDir: string, entry: { name: string; files: readonly { path: string; size: number; optional: boolean }[] }): boolean {
  const dir = backboneDir(cacheDir, entry.name);
  return entry.files.filter((f) => !f.optional).every((f) => sizeOf(path.join(dir, f.path)) === f.size);
}

export function datasetReady(cacheDir: string, entry: { name: string }): boolean {
  return sizeOf(path.join(datasetExtractDir(cacheDir, entry.name), EXTRACTED_MARKER)) !== undefined;
}
