import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import type { BackboneSource } from './source.js';
export { sourceFromPath, type BackboneSource } from './source.js';
import { loadLayersModelFrom, readModelArtifacts, resolveModelJson } from '../io/layers-model-files.js';
import { CONFIG_DIR } from '../paths.js';
import { compileInferencePlan, type InferencePlan } from './executor.js';
// layer classes of imported TFLite models, so saved (e.g. fine-tuned) copies load as layers models
import { validRanges, type ActivationRanges } from './tflite/activation-ranges.js';
import './tflite/hard-swish.js';
import './tflite/constant-arithmetic.js';
import { summarizeLayers, type LayerRow } from './layer-summary.js';
import { describePreprocess, PREPROCESS_MINUS1_1, type BackboneSpec, type Preprocess, type ResizeMode } from './spec.js';

export interface Backbone {
  spec: BackboneSpec;
  model: tf.LayersModel;
  plan: InferencePlan;
  /** a quantized TFLite backbone's activation grids (its int8 inference); undefined for a float one */
  activationRanges?: ActivationRanges;
  /** ImageNet (or other) class names of the pretrained top, when known */
  labels?: string[];
  /** uint8 RGB [b, h, w, 3] (any numeric dtype) → network input range */
  preprocess(pixels: tf.Tensor4D): tf.Tensor4D;
  /** uint8 RGB pixels → [b, dim] embeddings */
  embed(pixels: tf.Tensor4D): tf.Tensor2D;
  /** network input (already preprocessed) → [b, dim] embeddings */
  embedInput(x: tf.Tensor4D): tf.Tensor2D;
  layers(): LayerRow[];
  warnings: string[];
  dispose(): void;
}

interface KnownModel {
  name: string;
  modelJsonSha256: string;
  inputRange: [number, number];
  embeddingLayer: string;
  embeddingPool: 'avg' | 'none';
  labels?: string;
}

/** tfjs layers models recognised by their model.json: config/known-models.json plus the registry's. */
async function knownModels(): Promise<KnownModel[]> {
  const raw = JSON.parse(readFileSync(path.join(CONFIG_DIR, 'known-models.json'), 'utf8')) as { models: KnownModel[] };
  const { loadBackboneRegistry } = await import('../registry/backbones.js');
  const fromRegistry: KnownModel[] = [];
  for (const e of loadBackboneRegistry()) {
    const mj = e.format === 'tfjs-layers' ? e.files.find((f) => f.path === e.model) : undefined;
    if (!mj) continue;
    fromRegistry.push({
      name: e.name,
      modelJsonSha256: mj.sha256,
      inputRange: e.inputRange,
      embeddingLayer: e.embedding.layer,
      embeddingPool: e.embedding.pool,
      labels: e.labels?.file,
    });
  }
  return [...raw.models, ...fromRegistry];
}

function rangeToPreprocess([lo, hi]: [number, number]): Preprocess {
  return { scale: (hi - lo) / 255, offset: lo };
}

const CLASSIFIER_TAIL = new Set(['Softmax', 'Activation', 'Reshape', 'Flatten', 'GlobalAveragePooling2D', 'Dropout']);

/**
 * The embedding of a pretrained classifier is the input of its final classifier layer (a Dense, or
 * a 1x1 Conv2D in MobileNet-style models). Walk back from the output past softmax/reshape/pooling to
 * that layer and return its input, noting whether it still needs global average pooling.
 */
export function findEmbeddingLayer(model: tf.LayersModel): { layer: string; pool: 'avg' | 'none' } {
  const layers = model.layers;
  let i = layers.length - 1;
  while (i > 0 && CLASSIFIER_TAIL.has(layers[i].getClassName())) i--;
  const cls = layers[i].getClassName();
  if ((cls === 'Dense' || cls === 'Conv2D') && i > 0) {
    const nodes = (layers[i] as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
    let src = nodes[0]?.inboundLayers[0] ?? layers[i - 1];
    // skip a dropout / flatten between pooling and classifier
    while (src && (src.getClassName() === 'Dropout' || src.getClassName() === 'Flatten')) {
      const n = (src as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
      src = n[0]?.inboundLayers[0];
    }
    const shape = src.outputShape as (number | null)[];
    const spatial = shape.length === 4 && ((shape[1] ?? 1) > 1 || (shape[2] ?? 1) > 1);
    return { layer: src.name, pool: spatial ? 'avg' : 'none' };
  }
  // Headless model: its output is the embedding.
  const last = layers[layers.length - 1];
  const shape = last.outputShape as (number | null)[];
  return { layer: last.name, pool: shape.length === 4 ? 'avg' : 'none' };
}

async function hashFiles(files: string[], extra: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(await fs.readFile(f));
  h.update(extra);
  return h.digest('hex').slice(0, 24);
}

async function readLabels(file: string | undefined): Promise<string[] | undefined> {
  if (!file) return undefined;
  try {
    return (await fs.readFile(file, 'utf8'))
      .split('\n')
      .map((s) => s.trim())
      .filter((s, i, a) => s.length > 0 || i < a.length - 1);
  } catch {
    return undefined;
  }
}

async function loadLayersBackbone(src: BackboneSource): Promise<{
  model: tf.LayersModel;
  spec: Omit<BackboneSpec, 'fingerprint'>;
  files: string[];
  warnings: string[];
  labelsFile?: string;
  activationRanges?: ActivationRanges;
}> {
  const modelJson = await resolveModelJson(src.path);
  const dir = path.dirname(modelJson);
  const jsonBytes = await fs.readFile(modelJson);
  const sha = createHash('sha256').update(jsonBytes).digest('hex');
  const known = (await knownModels()).find((k) => k.modelJsonSha256 === sha);
  const artifacts = await readModelArtifacts(modelJson);
  const meta = (artifacts.userDefinedMetadata?.petlab ?? {}) as Partial<{
    inputRange: [number, number];
    embeddingLayer: string;
    embeddingPool: 'avg' | 'none';
    /** a fine-tuned quantized backbone: the grids of its frozen part (fine-tune-handlers.ts) */
    frozenActivationRanges: unknown;
  }>;
  const model = await loadLayersModelFrom(modelJson);
  const warnings: string[] = [];
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape[3] !== 3 || !inShape[1] || !inShape[2]) {
    model.dispose();
    throw new PetlabError(`${modelJson}: input shape [${inShape.join(', ')}] is not an RGB image of fixed size`, {
      hint: 'a backbone must take [batch, height, width, 3] images',
    });
  }
  const range = src.declared?.inputRange ?? meta.inputRange ?? known?.inputRange;
  let preprocess: Preprocess;
  if (range) preprocess = rangeToPreprocess(range);
  else {
    preprocess = PREPROCESS_MINUS1_1;
    warnings.push(
      `input range of ${src.name} is unknown; assuming ${describePreprocess(preprocess)} (MobileNet convention). Pass --input-range 0,1 if the model expects [0, 1]`,
    );
  }
  const found = findEmbeddingLayer(model);
  const embeddingLayer = src.declared?.embeddingLayer ?? meta.embeddingLayer ?? known?.embeddingLayer ?? found.layer;
  let embeddingPool = src.declared?.embeddingPool ?? meta.embeddingPool ?? known?.embeddingPool ?? (embeddingLayer === found.layer ? found.pool : undefined);
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(embeddingLayer);
  } catch {
    model.dispose();
    throw new PetlabError(`${src.name}: embedding layer "${embeddingLayer}" is not in the model`, {
      hint: 'check the backbone entry in config/backbones.json',
    });
  }
  if (!embeddingPool) {
    const s = layer.outputShape as (number | null)[];
    embeddingPool = s.length === 4 && ((s[1] ?? 1) > 1 || (s[2] ?? 1) > 1) ? 'avg' : 'none';
  }
  const labelsFile =
    src.declared?.labelsFile ??
    (known?.labels ? path.join(dir, known.labels) : undefined) ??
    (await firstExisting([path.join(dir, 'labels.txt'), path.join(dir, '..', 'imagenet_labels.txt')]));
  const files = [modelJson, ...(artifacts.weightSpecs ? [] : [])];
  const manifest = JSON.parse(jsonBytes.toString('utf8')) as { weightsManifest: { paths: string[] }[] };
  for (const g of manifest.weightsManifest) for (const p of g.paths) files.push(path.join(dir, p));
  return {
    model,
    files,
    warnings,
    labelsFile,
    spec: { name: src.name, format: 'tfjs-layers', inputSize: [inShape[1], inShape[2]], preprocess, embeddingLayer, embeddingPool, labelsFile },
    activationRanges: validRanges(meta.frozenActivationRanges),
  };
}

async function firstExisting(files: string[]): Promise<string | undefined> {
  for (const f of files) {
    try {
      await fs.access(f);
      return f;
    } catch {
      /* next */
    }
  }
  return undefined;
}

async function loadTfliteBackbone(src: BackboneSource, cacheDir: string) {
  const { loadTflite } = await import('./tflite/index.js');
  const imp = await loadTflite(src.path, { cacheDir });
  const warnings: string[] = imp.rebuilt ? [imp.rebuilt] : [];
  let preprocess = imp.preprocess;
  if (src.declared?.inputRange) preprocess = rangeToPreprocess(src.declared.inputRange);
  else if (imp.preprocessAssumed) warnings.push(`input range of ${src.name} is not in the file; assuming ${describePreprocess(preprocess)}`);
  const labelsFile =
    src.declared?.labelsFile ??
    (await firstExisting([path.join(path.dirname(src.path), 'imagenet_labels.txt'), path.join(path.dirname(src.path), 'labels.txt')]));
  return {
    model: imp.model,
    files: [src.path],
    warnings,
    labelsFile,
    activationRanges: imp.activationRanges,
    spec: {
      name: src.name,
      format: 'tflite' as const,
      inputSize: imp.inputSize,
      preprocess,
      embeddingLayer: src.declared?.embeddingLayer ?? imp.embeddingLayer,
      embeddingPool: src.declared?.embeddingPool ?? imp.embeddingPool,
      labelsFile,
    },
  };
}

/** Load a backbone (in the worker that will run it) and prepare its fast inference plan. */
export async function loadBackbone(src: BackboneSource, opts: { cacheDir: string; resize: ResizeMode }): Promise<Backbone> {
  const loaded = src.format === 'tflite' ? await loadTfliteBackbone(src, opts.cacheDir) : await loadLayersBackbone(src);
  const { model, warnings } = loaded;
  const s = loaded.spec;
  const fingerprint = await hashFiles(loaded.files, JSON.stringify([s.inputSize, s.preprocess, s.embeddingLayer, s.embeddingPool, opts.resize]));
  const spec: BackboneSpec = { ...s, fingerprint };
  let plan: InferencePlan;
  try {
    plan = compileInferencePlan(model);
    const exists = model.layers.some((l) => l.name === spec.embeddingLayer);
    if (!exists) throw new Error(`it has no layer ${spec.embeddingLayer} (the embedding layer asked for)`);
    if (!plan.visible.has(spec.embeddingLayer)) throw new Error(`embedding layer ${spec.embeddingLayer} is fused away`);
  } catch (e) {
    model.dispose();
    throw new PetlabError(`cannot prepare ${src.name} for inference: ${(e as Error).message}`, {
      hint: 'the embedding layer must be a layer output of the model',
    });
  }
  const labels = await readLabels(loaded.labelsFile);
  const preprocess = (pixels: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => tf.add(tf.mul(tf.cast(pixels, 'float32'), spec.preprocess.scale), spec.preprocess.offset) as tf.Tensor4D);
  const embedInput = (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => {
      const y = plan.run(x, spec.embeddingLayer);
      const pooled = y.rank === 4 && spec.embeddingPool === 'avg' ? tf.mean(y, [1, 2]) : y;
      return tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D;
    });
  const embed = (pixels: tf.Tensor4D): tf.Tensor2D => tf.tidy(() => embedInput(preprocess(pixels)));
  return {
    spec,
    model,
    plan,
    labels,
    preprocess,
    embed,
    embedInput,
    warnings,
    activationRanges: loaded.activationRanges,
    layers: () => summarizeLayers(model, 'backbone', spec.embeddingLayer),
    dispose: () => {
      plan.dispose();
      model.dispose();
    },
  };
}
