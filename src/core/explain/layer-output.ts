import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/load.js';
import { forwardLayers, inboundNames, inputLayerName } from './graph.js';

export interface LayerOutput {
  /** [batch, ...layer shape] */
  y: tf.Tensor;
  /** how it was computed: the fast fused plan, or the plan up to `from` then layer by layer */
  via: 'plan' | 'unfused';
  from?: string;
}

/**
 * The output of one backbone layer for preprocessed input `x`. Layers the fused plan shows are
 * run through it (fast). A layer it folds into a convolution (BatchNorm, activation, or the conv
 * before them) is reached by running the plan to the nearest layer it does show above it, then
 * the folded layers one by one, so the numbers are that layer's own. Caller owns `y`.
 */
export function backboneLayerOutput(bb: Backbone, x: tf.Tensor4D, layer: string): LayerOutput {
  if (bb.plan.visible.has(layer)) return { y: bb.plan.run(x, layer), via: 'plan' };
  const byName = new Map(bb.model.layers.map((l) => [l.name, l]));
  if (!byName.has(layer)) throw new Error(`layer ${layer} is not in ${bb.spec.name}`);
  // Folded layers form a single-input chain conv → BatchNorm → activation: walk up it.
  let from = layer;
  while (!bb.plan.visible.has(from)) {
    const ins = inboundNames(byName.get(from)!);
    if (ins.length !== 1) {
      from = inputLayerName(bb.model);
      break;
    }
    from = ins[0];
  }
  const y = tf.tidy(() => {
    const base = bb.plan.run(x, from);
    return forwardLayers(bb.model, new Map([[from, base]]), layer);
  });
  return { y, via: 'unfused', from };
}
