import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import { writeDirAtomic, writeFileAtomic } from './atomic.js';

/**
 * tfjs layers models on the local file system. @tensorflow/tfjs has no file:// handler (only
 * tfjs-node does), and petlab must run the same code on every backend, so this is our own.
 */

/** Accepts a folder holding model.json, or the model.json path itself. */
export async function resolveModelJson(p: string): Promise<string> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    throw new PetlabError(`model not found: ${p}`, { hint: 'give a folder holding model.json, a model.json path, or a backbone name from `petlab models`' });
  }
  const file = st.isDirectory() ? path.join(p, 'model.json') : p;
  try {
    await fs.access(file);
  } catch {
    throw new PetlabError(`no model.json in ${p}`, { hint: 'a tfjs layers model folder holds model.json and its weight shards' });
  }
  return file;
}

export async function readModelArtifacts(p: string): Promise<tf.io.ModelArtifacts> {
  const file = await resolveModelJson(p);
  const dir = path.dirname(file);
  let json: {
    modelTopology?: unknown;
    weightsManifest?: tf.io.WeightsManifestConfig;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    userDefinedMetadata?: Record<string, unknown>;
  };
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new PetlabError(`cannot read ${file}: ${(e as Error).message}`, { hint: 'the file must be a tfjs model.json' });
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new PetlabError(`${file} is not a tfjs layers model (no modelTopology/weightsManifest)`, {
      hint: 'convert the model with tensorflowjs_converter, or point --backbone at a .tflite file',
    });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const shardPath = path.join(dir, shard);
      try {
        parts.push(await fs.readFile(shardPath));
      } catch {
        throw new PetlabError(`weight shard missing: ${shardPath}`, { hint: `the model folder ${dir} is incomplete; copy or download it again` });
      }
    }
  }
  const all = Buffer.concat(parts);
  const need = manifestBytes(specs);
  if (need !== undefined && need !== all.length) {
    throw new PetlabError(
      `weights of ${file} are ${need > all.length ? 'truncated' : 'too long'}: the shards hold ${all.length} bytes, the manifest needs ${need}`,
      {
        hint: `the model folder ${dir} is damaged or incomplete; copy or download it again`,
      },
    );
  }
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1, int16: 2, complex64: 8 };

/** Bytes the weight entries take on disk, or undefined when a dtype makes it unknowable (strings). */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let n = 0;
  for (const w of specs) {
    const per = DTYPE_BYTES[(w.quantization?.dtype ?? w.dtype) as string];
    if (per === undefined) return undefined;
    n += per * w.shape.reduce((a, b) => a * b, 1);
  }
  return n;
}

export function fileLoader(p: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(p) };
}

export async function loadLayersModelFrom(p: string): Promise<tf.LayersModel> {
  const artifacts = await readModelArtifacts(p);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new PetlabError(`cannot build the model in ${p}: ${(e as Error).message}`, {
      hint: 'the model.json may use a layer type tfjs does not know',
      cause: e,
    });
  }
}

/** Write model.json + weights.bin into `dir` (which must exist). */
export async function writeArtifactsInto(dir: string, a: tf.io.ModelArtifacts): Promise<void> {
  const weights = a.weightData ? Buffer.from(tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : [a.weightData])) : Buffer.alloc(0);
  const modelJson = {
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: a.convertedBy ?? 'petlab',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
  };
  await fs.writeFile(path.join(dir, 'weights.bin'), weights);
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** An IOHandler whose save() captures the artifacts in memory. */
function captureHandler(): { handler: tf.io.IOHandler; get: () => tf.io.ModelArtifacts } {
  let captured: tf.io.ModelArtifacts | undefined;
  return {
    handler: {
      save: async (a) => {
        captured = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      },
    },
    get: () => {
      if (!captured) throw new Error('model was not saved');
      return captured;
    },
  };
}

export async function modelArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  const c = captureHandler();
  await model.save(c.handler);
  return c.get();
}

/** Save a layers model as a folder, atomically (a reader never sees a half-written model). */
export async function saveLayersModelTo(model: tf.LayersModel, dir: string): Promise<void> {
  const a = await modelArtifacts(model);
  await writeDirAtomic(dir, (tmp) => writeArtifactsInto(tmp, a));
}

export { writeFileAtomic };
