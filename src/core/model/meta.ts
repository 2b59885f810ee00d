import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import type { BackboneSource } from '../backbones/source.js';
import type { BackboneSpec } from '../backbones/spec.js';
import type { Metrics } from '../eval/metrics.js';

/** A saved model's description (petlab.json), readable without loading TensorFlow. */
export const MODEL_FORMAT = 'petlab-model';

export interface SavedModelMeta {
  format: typeof MODEL_FORMAT;
  version: 1;
  createdAt: string;
  classes: string[];
  backbone: {
    /** registry name, or the path the user gave */
    ref: string;
    source: BackboneSource;
    spec: BackboneSpec;
    fineTuned: boolean;
  };
  head: { hiddenUnits: number; dropout: number; outputs: 'logits' };
  training: Record<string, unknown>;
  dataset: { root: string; layout: string; seed: number; valFraction: number; splitSource: string; counts: { train: number; val: number; test: number } };
  /** false while training is still going (a checkpoint), true once finished */
  complete: boolean;
  epochsDone: number;
  history: Array<Record<string, number | string | null>>;
  /** digests of the model's files (petlab.json aside), checked on load; absent in older models */
  files?: import('./digests.js').FileDigests;
  metrics?: SavedMetrics;
}

/** A saved model's figures (petlab.json's `metrics`): those of the validation split. */
export interface SavedMetrics {
  split: string;
  accuracy: number;
  loss: number;
  n: number;
  perClass: Metrics['perClass'];
  mostConfused: Metrics['mostConfused'];
  /** with test-time augmentation (a fine-tuned run says, even when it is off) */
  tta?: boolean;
}

/** The validation metrics as petlab.json keeps them; `tta` only when the caller gives it. */
export function savedMetrics(metrics: Metrics, opts: { tta?: boolean } = {}): SavedMetrics {
  const { accuracy, loss, n, perClass, mostConfused } = metrics;
  return { split: 'val', accuracy, loss, n, perClass, mostConfused, ...('tta' in opts ? { tta: opts.tta } : {}) };
}

export async function readSavedModelMeta(dir: string): Promise<SavedModelMeta> {
  const file = path.join(dir, 'petlab.json');
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch {
    try {
      await fs.access(dir);
    } catch {
      throw new PetlabError(`model folder not found: ${dir}`, { hint: 'train one first: petlab train --data DIR --out DIR' });
    }
    throw new PetlabError(`${dir} is not a petlab model (no petlab.json)`, { hint: 'give --model the folder written by `petlab train --out`' });
  }
  let meta: SavedModelMeta;
  try {
    meta = JSON.parse(raw) as SavedModelMeta;
  } catch (e) {
    throw new PetlabError(`${file} is not valid JSON: ${(e as Error).message}`, { hint: 'the model folder is damaged; train again' });
  }
  if (meta.format !== MODEL_FORMAT || !Array.isArray(meta.classes)) {
    throw new PetlabError(`${file} is not a petlab model description`, { hint: 'give --model the folder written by `petlab train --out`' });
  }
  return meta;
}

export async function readStateJson(dir: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'state', 'state.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function hasFineTunedBackbone(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'backbone', 'model.json'));
    return true;
  } catch {
    return false;
  }
}
