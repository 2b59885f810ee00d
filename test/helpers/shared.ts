import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_ROOT } from './test-data.js';

export { hasAssets, missingAssets, requireAsset, skipUnless, type AssetName } from './test-data.js';

/**
 * Real weights and images, read in place, never copied into git: a folder laid out like ../shared,
 * chosen by test-data.ts (PETLAB_TEST_DATA, else ../shared, else petlab's cache). A path below may
 * not exist: a test that needs it says so with `{ skip: skipUnless('cats-dogs') }`.
 */
export const SHARED = DATA_ROOT.dir;
export const MOBILENET_V2_TFJS = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
export const MOBILENET_V2_TFLITE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite');
export const DARKNET_TINY = path.join(SHARED, 'models', 'darknet-tiny');
export const CATS_DOGS = path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train');
export const PETS = path.join(SHARED, 'data', 'oxford-pets-partial');
export const SAMPLE_PHOTOS = path.join(SHARED, 'data', 'sample-photos');

/** The names in a data folder, sorted; none when it is missing (its tests skip, so module set-up must not throw). */
export function listData(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** A fresh temp folder, removed when the process exits. */
export function tempDir(prefix = 'petlab-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
