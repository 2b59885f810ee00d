import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/core/paths.js';

/** ../shared beside the project: real weights and images, read in place, never copied into git. */
export const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
export const MOBILENET_V2_TFJS = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
export const MOBILENET_V2_TFLITE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite');
export const DARKNET_TINY = path.join(SHARED, 'models', 'darknet-tiny');
export const CATS_DOGS = path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train');
export const PETS = path.join(SHARED, 'data', 'oxford-pets-partial');
export const SAMPLE_PHOTOS = path.join(SHARED, 'data', 'sample-photos');

/** A fresh temp folder, removed when the process exits. */
export function tempDir(prefix = 'petlab-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
