import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/load.js';
import { PetlabError } from '../errors.js';
import { imageTensor } from './activations.js';
import { ancestorsOf, forwardLayers, inboundNames, inputLayerName, layerShape } from './graph.js';
import { backboneLayerOutput } from './layer-output.js';
import { resolveInspectableLayer } from './layers.js';

/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image the evidence for a class is. With A the
 * output of a late conv layer (h x w x c) and y the class's logit, each channel k gets the weight
 * w_k = mean over positions of dy/dA_k, and the map is relu(Σ_k w_k A_k).
 *
 * The class score is computed from A onwards layer by layer (graph.ts), so every op has a
 * gradient. For the default layer (the last spatial one before global pooling) that is only
 * pooling and dense/1x1 layers; for an earlier layer it includes conv and depthwise backprop
 * (on wasm: the kernels of backend/wasm-gradients.ts).
 */

export interface GradCamRequest {
  /** the trained head on the embedding, or the backbone's own pretrained (ImageNet) top */
  target: 'head' | 'pretrained';
  /** default: the last spatial layer before global pooling */
  layer?: string;
  /** default: the predicted class */
  classIndex?: number;
}

export interface GradCamResult {
  target: 'head' | 'pretrained';
  layer: string;
  /** [h, w, c] of the layer */
  layerShape: [number, number, number];
  classIndex: number;
  /** the class score the gradient is taken of: a logit, or a probability when the model has no separate softmax */
  score: number;
  scoreKind: 'logit' | 'probability';
  /** every class's probability (softmax of the logits) */
  probabilities: Float32Array;
  /** h x w, row-major, scaled to [0, 1] by its maximum (all zero when nothing supports the class) */
  cam: Float32Array;
  camHeight: number;
  camWidth: number;
  /** the unscaled maximum of relu(Σ w_k A_k) */
  camMax: number;
  timings: { forwardMs: number; gradMs: number };
}

const SOFTMAX_TAIL = new Set(['Softmax']);

/** The layer giving the pretrained top's class scores, and whether they are logits. */
export function pretrainedScoreLayer(model: tf.LayersModel): { layer: string; kind: 'logit' | 'probability' } {
  const last = model.layers[model.layers.length - 1];
  const cfg = last.getConfig();
  const isSoftmax = SOFTMAX_TAIL.has(last.getClassName()) || (last.getClassName() === 'Activation' && cfg.activation === 'softmax');
  if (isSoftmax) {
    const ins = inboundNames(last);
    if (ins.length === 1) return { layer: ins[0], kind: 'logit' };
  }
  return { layer: last.name, kind: cfg.activation === 'softmax' ? 'probability' : 'logit' };
}

/** The last layer (in order) among `target`'s inputs whose output is a spatial map larger than 1x1. */
export function lastSpatialLayer(model: tf.LayersModel, target: string): string | undefined {
  const anc = ancestorsOf(model, target);
  let found: string | undefined;
  for (const l of model.layers) {
    if (!anc.has(l.name) || l.getClassName() === 'InputLayer') continue;
    const s = layerShape(l);
    if (s.length === 3 && s[0] * s[1] > 1) found = l.name;
  }
  return found;
}

function requireHead(head: tf.LayersModel | undefined): tf.LayersModel {
  if (!head) throw new PetlabError('Grad-CAM for a trained model needs its head loaded', { kind: 'internal' });
  return head;
}

/** Grad-CAM of one image (uint8 RGB pixels at the backbone's input size). */
export async function computeGradCam(bb: Backbone, head: tf.LayersModel | undefined, pixels: Uint8Array, req: GradCamRequest): Promise<GradCamResult> {
  const model = bb.model;
  const emb = bb.spec.embeddingLayer;
  const top = req.target === 'pretrained' ? pretrainedScoreLayer(model) : { layer: emb, kind: 'logit' as const };
  const layer = req.layer ? resolveInspectableLayer(bb.layers(), req.layer, `backbone ${bb.spec.name}`).name : lastSpatialLayer(model, emb);
  if (!layer) throw new PetlabError(`${bb.spec.name} has no spatial layer before its embedding: Grad-CAM needs one`, { hint: 'use a convolutional backbone' });
  if (!ancestorsOf(model, top.layer).has(layer)) {
    throw new PetlabError(`layer ${layer} does not feed the ${req.target === 'head' ? 'embedding' : 'class scores'} of ${bb.spec.name}`, {
      hint: 'pick a layer before the global pooling (see petlab activations --list-layers)',
    });
  }
  const shape = layerShape(model.getLayer(layer));
  if (shape.length !== 3 || shape[0] * shape[1] < 2) {
    throw new PetlabError(`layer ${layer} is ${shape.join('x')}: Grad-CAM needs a spatial map (height x width x channels)`, {
      hint: `pick an earlier conv layer, e.g. ${lastSpatialLayer(model, emb) ?? 'a conv layer'}`,
    });
  }
  const inputName = inputLayerName(model);

  let t = performance.now();
  const pixelsT = imageTensor(bb, pixels);
  const x = bb.preprocess(pixelsT);
  pixelsT.dispose();
  let A: tf.Tensor4D;
  try {
    A = backboneLayerOutput(bb, x, layer).y as tf.Tensor4D;
  } catch (e) {
    x.dispose();
    throw e;
  }
  // class scores from A on: the rest of the backbone (skip branches from x), then the top
  const scores = (a: tf.Tensor4D): tf.Tensor2D => {
    const known = new Map<string, tf.Tensor>([
      [inputName, x],
      [layer, a],
    ]);
    const y = forwardLayers(model, known, top.layer);
    if (req.target === 'pretrained') return y.reshape([1, -1]) as tf.Tensor2D;
    const h = requireHead(head);
    const e = (y.rank === 4 && bb.spec.embeddingPool === 'avg' ? tf.mean(y, [1, 2]) : y).reshape([1, -1]);
    return forwardLayers(h, new Map([[inputLayerName(h), e]]), h.layers[h.layers.length - 1].name).reshape([1, -1]) as tf.Tensor2D;
  };
  try {
    const s = tf.tidy(() => scores(A));
    const scoreData = (await s.data()) as Float32Array;
    s.dispose();
    const probsT = tf.tidy(() => (top.kind === 'logit' ? tf.softmax(tf.tensor1d(scoreData)) : tf.tensor1d(scoreData)));
    const probabilities = (await probsT.data()) as Float32Array;
    probsT.dispose();
    const forwardMs = performance.now() - t;
    let cls = req.classIndex ?? 0;
    if (req.classIndex === undefined) for (let i = 1; i < scoreData.length; i++) if (scoreData[i] > scoreData[cls]) cls = i;
    if (!(cls >= 0 && cls < scoreData.length))
      throw new PetlabError(`class index ${cls} is out of range (the model has ${scoreData.length} classes)`, { kind: 'usage' });

    t = performance.now();
    const camT = tf.tidy(() => {
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.slice(scores(a as tf.Tensor4D), [0, cls], [1, 1])))(A);
      const weights = tf.mean(grad, [0, 1, 2]); // [c]
      return tf.relu(tf.sum(tf.mul(A, weights), 3)).reshape([-1]); // [h * w]
    });
    const raw = (await camT.data()) as Float32Array;
    camT.dispose();
    let camMax = 0;
    for (const v of raw) if (v > camMax) camMax = v;
    const cam = camMax > 0 ? raw.map((v) => v / camMax) : new Float32Array(raw.length);
    return {
      target: req.target,
      layer,
      layerShape: [shape[0], shape[1], shape[2]],
      classIndex: cls,
      score: scoreData[cls],
      scoreKind: top.kind,
      probabilities,
      cam,
      camHeight: shape[0],
      camWidth: shape[1],
      camMax,
      timings: { forwardMs, gradMs: performance.now() - t },
    };
  } finally {
    A.dispose();
    x.dispose();
  }
}
