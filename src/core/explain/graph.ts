import * as tf from '@tensorflow/tfjs';

/**
 * Layer-by-layer execution of a tfjs LayersModel from any set of known layer outputs. Unlike the
 * fused inference plan (executor.ts), every layer's own output exists here, and every op has a
 * gradient (relu6 runs as tfjs-layers computes it, not as a fused kernel), which is what the
 * activations view (layers folded away by the plan) and Grad-CAM (backward from a layer) need.
 */

type Inbound = { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> };

/** Names of the layers feeding `layer` (its first call site). */
export function inboundNames(layer: tf.layers.Layer): string[] {
  const nodes = (layer as unknown as Inbound).inboundNodes;
  return nodes.length ? nodes[0].inboundLayers.map((l) => l.name) : [];
}

/** The input layer's name. (A Sequential lists no InputLayer in .layers nor .inputLayers: ask its input tensor.) */
export function inputLayerName(model: tf.LayersModel): string {
  const src = (model.inputs[0] as unknown as { sourceLayer?: tf.layers.Layer } | undefined)?.sourceLayer;
  return src?.name ?? model.inputLayers[0]?.name ?? model.layers[0].name;
}

/** Every layer `target` depends on (itself included), not looking past the names in `stopAt`. */
export function ancestorsOf(model: tf.LayersModel, target: string, stopAt: ReadonlySet<string> = new Set()): Set<string> {
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const seen = new Set<string>();
  const todo = [target];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (stopAt.has(name)) continue;
    const layer = byName.get(name);
    if (layer) todo.push(...inboundNames(layer));
  }
  return seen;
}

/** Output shape of a layer without the batch axis. */
export function layerShape(layer: tf.layers.Layer): number[] {
  const s = layer.outputShape as unknown;
  const shape = (Array.isArray(s) && Array.isArray(s[0]) ? s[0] : s) as (number | null)[];
  return shape.slice(1).map((d) => d ?? 0);
}

/**
 * Compute `target` from `known` layer outputs (name → tensor, batch first), running only the
 * layers needed, in the model's (topological) order. The caller owns the result and should call
 * this inside tf.tidy (intermediates are not freed here: a gradient may need them).
 */
export function forwardLayers(model: tf.LayersModel, known: ReadonlyMap<string, tf.Tensor>, target: string): tf.Tensor {
  const got = known.get(target);
  if (got) return got;
  const needed = ancestorsOf(model, target, new Set(known.keys()));
  const values = new Map(known);
  for (const layer of model.layers) {
    if (!needed.has(layer.name) || values.has(layer.name)) continue;
    const ins = inboundNames(layer);
    if (!ins.length) throw new Error(`layer ${layer.name} has no inputs and no value was given for it`);
    const xs = ins.map((n) => {
      const v = values.get(n);
      if (!v) throw new Error(`layer ${n} (input of ${layer.name}) was not computed`);
      return v;
    });
    const y = layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor;
    values.set(layer.name, y);
    if (layer.name === target) return y;
  }
  throw new Error(`layer ${target} is not in the model`);
}
