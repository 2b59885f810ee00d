/**
 * The one place that says where the tests' real data is. The data folder, laid out like ../shared:
 *   1. PETLAB_TEST_DATA, when set;
 *   2. else ../shared beside the project, when present (CI, developers' machines);
 *   3. else <petlab cache>/test-data, filled by `npm run test:data` (public URLs, or PETLAB_MIRROR).
 * A test that needs an asset the folder lacks is skipped with one line naming it and how to get it
 * (`{ skip: skipUnless('cats-dogs') }` or `if (!requireAsset(t, 'cats-dogs')) return;`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { bytes as formatBytes } from '../../src/text/format.js';
import { defaultCacheDir, PROJECT_ROOT } from '../../src/core/paths.js';
import { allAssets, downloadBytes, getAsset, isPublic, type AssetName } from './test-assets.js';

export type { AssetName } from './test-assets.js';

/** Every skip for missing data starts with this; the end-of-run summary counts them by it. */
export const MISSING_PREFIX = 'missing test data:';

export type DataRootKind = 'env' | 'shared' | 'cache';

export interface DataRoot {
  dir: string;
  kind: DataRootKind;
}

export const SHARED_BESIDE = path.resolve(PROJECT_ROOT, '..', 'shared');

/** The cache's data folder (what `npm run test:data` fills). */
export function cacheDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultCacheDir(env), 'test-data');
}

export function resolveDataRoot(env: NodeJS.ProcessEnv = process.env, sharedBeside = SHARED_BESIDE): DataRoot {
  if (env.PETLAB_TEST_DATA) return { dir: path.resolve(env.PETLAB_TEST_DATA), kind: 'env' };
  if (existsSync(sharedBeside)) return { dir: sharedBeside, kind: 'shared' };
  return { dir: cacheDataDir(env), kind: 'cache' };
}

/** Written into the cache's data folder once an asset is fetched and verified. */
export function assetMarker(dataDir: string, name: AssetName): string {
  return path.join(dataDir, '.assets', `${name}.json`);
}

/**
 * Present: in a folder someone filled (PETLAB_TEST_DATA, ../shared) its paths exist; in the cache
 * it was verified too (its marker), so a half-finished download never counts.
 */
export function assetPresent(root: DataRoot, name: AssetName): boolean {
  const a = getAsset(name);
  if (root.kind === 'cache' && !existsSync(assetMarker(root.dir, name))) return false;
  return a.paths.every((p) => existsSync(path.join(root.dir, ...p.split('/'))));
}

/** How to get an asset, in a few words for the skip line. */
export function howToGet(root: DataRoot, name: AssetName): string {
  const a = getAsset(name);
  const size = formatBytes(downloadBytes(a));
  // a folder someone filled is not written to: it lacks the asset, that is all there is to say
  if (root.kind === 'env') return `not in PETLAB_TEST_DATA=${root.dir} (lay it out like ../shared)`;
  if (root.kind === 'shared') return `not in ${root.dir} (see its README.md)`;
  if (a.source.kind === 'none') return `${a.source.why}: only in a folder laid out like ../shared, set PETLAB_TEST_DATA=DIR`;
  if (isPublic(a)) return `run \`npm run test:data\` (${size}, into ${root.dir})`;
  return `no public copy: run \`npm run test:data\` with PETLAB_MIRROR set to a mirror that has it (${size}), or set PETLAB_TEST_DATA=DIR`;
}

/** The one-line skip message: "missing test data: <asset>: <what>; <how to get it>". */
export function missingMessage(root: DataRoot, name: AssetName): string {
  return `${MISSING_PREFIX} ${name}: ${getAsset(name).what}; ${howToGet(root, name)}`;
}

export const DATA_ROOT = resolveDataRoot();

/** False when every asset is there; else the skip message of the first missing one (for `{ skip }`). */
export function skipUnless(...names: AssetName[]): string | false {
  const missing = names.find((n) => !assetPresent(DATA_ROOT, n));
  return missing ? missingMessage(DATA_ROOT, missing) : false;
}

export function hasAssets(...names: AssetName[]): boolean {
  return skipUnless(...names) === false;
}

/** Inside a test: skip it (one line) unless the assets are there. `if (!requireAsset(t, 'x')) return;` */
export function requireAsset(t: TestContext, ...names: AssetName[]): boolean {
  const msg = skipUnless(...names);
  if (msg === false) return true;
  t.skip(msg);
  return false;
}

/** The assets this data folder lacks. */
export function missingAssets(root: DataRoot = DATA_ROOT): AssetName[] {
  return allAssets()
    .map((a) => a.name)
    .filter((n) => !assetPresent(root, n));
}
