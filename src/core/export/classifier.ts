import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/load.js';
import { PetlabError } from '../errors.js';

/**
 * The whole classifier as one tfjs layers model, the form every export starts from:
 * pixels [N, H, W, 3] float32 0-255 → the backbone's normalisation (a Rescaling layer) → the
 * backbone up to its embedding (pooled/flattened as petlab pools it) → the head → softmax.
 *
 * Every layer is a clone (same config, weights copied), so the session's own backbone and head are
 * untouched: no extra inbound nodes on them, and disposing this model frees only the copies.
 */

export interface ClassifierStep {
  layer: tf.layers.Layer;
  inputs: tf.SymbolicTensor[];
  output: tf.SymbolicTensor;
}

export interface Classifier {
  model: tf.LayersModel;
  input: tf.SymbolicTensor;
  /** every layer after the input, in order of application (a topological order) */
  steps: ClassifierStep[];
  dispose(): void;
}

/** The Rescaling layer in front of the backbone: its output is the network's input. */
export const PREPROCESS_LAYER = 'petlab_preprocess';

type FromConfig = (cls: unknown, config: tf.serialization.ConfigDict) => tf.layers.Layer;

function cloneLayer(layer: tf.layers.Layer): tf.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new PetlabError(`cannot export layer ${layer.name}: tfjs does not know its class ${layer.getClassName()}`, { kind: 'internal' });
  const [cls, fromConfig] = entry as unknown as [unknown, FromConfig];
  return fromConfig(cls, layer.getConfig());
}

interface NodeLike {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}

function firstNode(layer: tf.layers.Layer): NodeLike {
  return (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes[0];
}

/** The backbone's layers the embedding depends on, in model order. */
function layersUpTo(model: tf.LayersModel, target: string): tf.layers.Layer[] {
  const needed = new Set<string>();
  const visit = (l: tf.layers.Layer) => {
    if (needed.has(l.name)) return;
    needed.add(l.name);
    for (const t of firstNode(l)?.inputTensors ?? []) visit(t.sourceLayer as tf.layers.Layer);
  };
  visit(model.getLayer(target));
  return model.layers.filter((l) => needed.has(l.name) && l.getClassName() !== 'InputLayer');
}

export function buildClassifier(bb: Backbone, head: tf.LayersModel): Classifier {
  return buildNetwork(bb, { head });
}

/**
 * The backbone as one model from pixels: to its embedding (pooled, flat), then the head and softmax
 * when a head is given; or, with `cut`, to that layer's output (NHWC, the frozen part of fine-tuning).
 */
export function buildNetwork(bb: Backbone, what: { head?: tf.LayersModel; cut?: string }): Classifier {
  const made: tf.layers.Layer[] = [];
  try {
    return wire(bb, what, made);
  } catch (e) {
    // a layer that cannot be cloned (or wired) comes after copies that already hold weights: free them
    for (const layer of made) for (const w of layer.weights) w.dispose();
    throw e;
  }
}

/** buildNetwork's body; every layer it creates goes into `made` before it is built. */
function wire(bb: Backbone, what: { head?: tf.LayersModel; cut?: string }, made: tf.layers.Layer[]): Classifier {
  const { head, cut } = what;
  const [h, w] = bb.spec.inputSize;
  const input = tf.input({ shape: [h, w, 3], dtype: 'float32', name: 'pixels' });
  const steps: ClassifierStep[] = [];
  const copies: Array<{ from: tf.layers.Layer; to: tf.layers.Layer }> = [];
  const apply = (layer: tf.layers.Layer, inputs: tf.SymbolicTensor[]): tf.SymbolicTensor => {
    made.push(layer);
    const output = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor;
    steps.push({ layer, inputs, output });
    return output;
  };
  const { scale, offset } = bb.spec.preprocess;
  const normalised = apply(tf.layers.rescaling({ scale, offset, name: PREPROCESS_LAYER }), [input]);

  // the backbone, re-wired onto the new input: original tensor id → new symbolic tensor
  const mapped = new Map<number, tf.SymbolicTensor>();
  mapped.set(bb.model.inputs[0].id, normalised);
  let x = normalised;
  for (const layer of layersUpTo(bb.model, cut ?? bb.spec.embeddingLayer)) {
    const node = firstNode(layer);
    const ins = node.inputTensors.map((t) => {
      const m = mapped.get(t.id);
      if (!m) throw new PetlabError(`cannot export: layer ${layer.name} reads a tensor the export has not built`, { kind: 'internal' });
      return m;
    });
    const copy = cloneLayer(layer);
    x = apply(copy, ins);
    copies.push({ from: layer, to: copy });
    mapped.set(node.outputTensors[0].id, x);
  }
  if (cut === undefined) {
    // the embedding as petlab computes it (load.ts embed()): pooled over h, w, then flat
    if (x.shape.length === 4 && bb.spec.embeddingPool === 'avg') x = apply(tf.layers.globalAveragePooling2d({ name: 'petlab_embedding_pool' }), [x]);
    if (x.shape.length > 2) x = apply(tf.layers.flatten({ name: 'petlab_embedding' }), [x]);
  }
  if (head) {
    for (const layer of head.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const copy = cloneLayer(layer);
      x = apply(copy, [x]);
      copies.push({ from: layer, to: copy });
    }
    x = apply(tf.layers.activation({ activation: 'softmax', name: 'probabilities' }), [x]);
  }
  const model = tf.model({ inputs: input, outputs: x, name: head ? 'petlab_classifier' : 'petlab_backbone' });
  tf.tidy(() => {
    for (const { from, to } of copies) to.setWeights(from.getWeights());
  });
  return { model, input, steps, dispose: () => model.dispose() };
}
