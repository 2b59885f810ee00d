/** Shared by the export tests: a small model trained on real cats and dogs, and the figures to compare. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../../src/core/images/decode.js';
import type { ResizeMode } from '../../src/core/backbones/spec.js';
import { CATS_DOGS, listData, SAMPLE_PHOTOS, tempDir } from './shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './cli.js';

const cats = listData(path.join(CATS_DOGS, 'cats'));
const dogs = listData(path.join(CATS_DOGS, 'dogs'));

/** 20 cats + 20 dogs to train on. */
export function smallDataset(): string {
  return linkDataset(CATS_DOGS, { cats: cats.slice(0, 20).map((f) => `cats/${f}`), dogs: dogs.slice(0, 20).map((f) => `dogs/${f}`) });
}

/** Pictures the model never saw: 3 cats, 3 dogs, and the cat photo of sample-photos (first). */
export function unseenPictures(): string[] {
  return [
    path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'),
    ...cats.slice(600, 603).map((f) => path.join(CATS_DOGS, 'cats', f)),
    ...dogs.slice(600, 603).map((f) => path.join(CATS_DOGS, 'dogs', f)),
  ];
}

export const exportEnv = isolatedEnv();

export async function trainSmall(data: string, backbone: string, extra: string[] = []): Promise<string> {
  const out = path.join(tempDir(), 'model');
  const r = await runPetlab(['train', '--data', data, '--backbone', backbone, '--out', out, '--epochs', '4', '--json', ...extra], {
    env: exportEnv,
    timeoutMs: 600_000,
  });
  assert.equal(r.code, 0, r.stderr);
  return out;
}

export interface ModelInfo {
  classes: string[];
  inputSize: [number, number];
  resize: ResizeMode;
}

export function modelInfo(dir: string): ModelInfo {
  const meta = JSON.parse(readFileSync(path.join(dir, 'petlab.json'), 'utf8'));
  return { classes: meta.classes, inputSize: meta.backbone.spec.inputSize, resize: meta.training.resize ?? 'fill' };
}

/**
 * `petlab predict --json --no-tta --inference tfjs`: probabilities per file, in the model's class order (exports compute the plain
 * picture, no flip TTA). On TensorFlow.js alone: ONNX Runtime checks the export, not itself.
 */
export async function petlabProbabilities(model: string, files: string[]): Promise<number[][]> {
  const { classes } = modelInfo(model);
  const r = await runPetlab(['predict', '--model', model, ...files, '--top', String(classes.length), '--json', '--no-tta', '--inference', 'tfjs'], {
    env: exportEnv,
  });
  assert.equal(r.code, 0, r.stderr);
  const preds = (r.events.at(-1) as { predictions: Array<{ top: Array<{ className: string; probability: number }> }> }).predictions;
  return preds.map((p) => classes.map((c) => p.top.find((t) => t.className === c)!.probability));
}

/** The pictures as the export's input: float32 [N, H, W, 3] RGB 0-255, resized as petlab resizes. */
export async function inputBatch(files: string[], info: ModelInfo): Promise<Float32Array> {
  const [h, w] = info.inputSize;
  const out = new Float32Array(files.length * h * w * 3);
  for (let i = 0; i < files.length; i++) out.set((await decodeImage(files[i], info.inputSize, info.resize)).data, i * h * w * 3);
  return out;
}

export async function exportModel(model: string, format: string, out: string): Promise<Record<string, unknown>> {
  const r = await runPetlab(['export', '--model', model, '--format', format, '--out', out, '--json'], { env: exportEnv });
  assert.equal(r.code, 0, r.stderr);
  return r.events.at(-1)!;
}

/** Largest absolute difference, and whether every row has the same top-1. */
export function compare(a: number[][], b: number[][]): { maxAbsDiff: number; sameTop1: boolean } {
  let maxAbsDiff = 0;
  let sameTop1 = true;
  const argmax = (r: number[]) => r.indexOf(Math.max(...r));
  a.forEach((row, i) => {
    row.forEach((v, j) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - b[i][j]))));
    if (argmax(row) !== argmax(b[i])) sameTop1 = false;
  });
  return { maxAbsDiff, sameTop1 };
}

export function rows(flat: ArrayLike<number>, k: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += k) out.push(Array.from({ length: k }, (_, j) => flat[i + j]));
  return out;
}
