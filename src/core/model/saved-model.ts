import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import { writeDirAtomic } from '../io/atomic.js';
import { loadLayersModelFrom, modelArtifacts, writeArtifactsInto } from '../io/layers-model-files.js';
import type { BackboneSource } from '../backbones/load.js';
import type { BackboneSpec } from '../backbones/spec.js';
import type { Metrics } from '../eval/metrics.js';

/**
 * A trained petlab model is a folder:
 *   petlab.json   classes, backbone reference + preprocessing, head config, metrics, training options
 *   head/         the new top (tfjs layers model, outputs logits)
 *   backbone/     only when the backbone was fine-tuned: its trained weights
 *   state/        what --resume needs (optimizer state, epoch), written with each checkpoint
 * It is always written whole into a temp folder and renamed into place, so a reader (or a crash) never
 * sees half a model.
 */
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
  metrics?: { split: string; accuracy: number; loss: number; n: number; perClass: Metrics['perClass']; mostConfused: Metrics['mostConfused'] };
}

export interface SavedModelParts {
  head: tf.LayersModel;
  backbone?: tf.LayersModel;
  /** optimizer weights and anything else needed to resume */
  state?: { json: Record<string, unknown>; tensors?: tf.NamedTensorMap };
}

async function writeTensors(dir: string, named: tf.NamedTensorMap): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(named);
  await fs.writeFile(path.join(dir, 'tensors.bin'), Buffer.from(data as ArrayBuffer));
  await fs.writeFile(path.join(dir, 'tensors.json'), JSON.stringify(specs));
}

export async function readStateTensors(dir: string): Promise<tf.NamedTensorMap | undefined> {
  try {
    const specs = JSON.parse(await fs.readFile(path.join(dir, 'state', 'tensors.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
    const buf = await fs.readFile(path.join(dir, 'state', 'tensors.bin'));
    return tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, specs);
  } catch {
    return undefined;
  }
}

export async function writeSavedModel(dir: string, meta: SavedModelMeta, parts: SavedModelParts): Promise<void> {
  // Serialise the tensors before touching the disk: the models may change once we yield.
  const headArt = await modelArtifacts(parts.head);
  const backboneArt = parts.backbone ? await modelArtifacts(parts.backbone) : undefined;
  await writeDirAtomic(dir, async (tmp) => {
    await fs.mkdir(path.join(tmp, 'head'));
    await writeArtifactsInto(path.join(tmp, 'head'), headArt);
    if (backboneArt) {
      await fs.mkdir(path.join(tmp, 'backbone'));
      await writeArtifactsInto(path.join(tmp, 'backbone'), backboneArt);
    }
    if (parts.state) {
      await fs.mkdir(path.join(tmp, 'state'));
      await fs.writeFile(path.join(tmp, 'state', 'state.json'), JSON.stringify(parts.state.json, null, 2));
      if (parts.state.tensors) await writeTensors(path.join(tmp, 'state'), parts.state.tensors);
    }
    await fs.writeFile(path.join(tmp, 'petlab.json'), JSON.stringify(meta, null, 2));
  });
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

export function loadHead(dir: string): Promise<tf.LayersModel> {
  return loadLayersModelFrom(path.join(dir, 'head'));
}

export async function hasFineTunedBackbone(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'backbone', 'model.json'));
    return true;
  } catch {
    return false;
  }
}
