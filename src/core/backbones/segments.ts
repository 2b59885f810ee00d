import type * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';

/**
 * Where a network can be cut in two: positions in its layer order where exactly one tensor is
 * alive, so "everything below" can run once and be cached, and "everything above" trains alone.
 * In MobileNetV2 these are the ends of the inverted-residual blocks; in a plain stack, every layer.
 * The segments between cuts are the "blocks" that --unfreeze counts from the top.
 */
export interface Segment {
  /** the layer whose output is this segment's input */
  from: string;
  /** the segment's last layer */
  to: string;
  layers: string[];
  params: number;
}

function inbound(layer: tf.layers.Layer): string[] {
  const nodes = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
  return nodes.length ? nodes[0].inboundLayers.map((l) => l.name) : [];
}

/** Layers from the input up to `last`, and the cut points among them (always including the input and `last`). */
export function segmentsUpTo(model: tf.LayersModel, last: string, allowedCuts?: Set<string>): Segment[] {
  const layers: tf.layers.Layer[] = [];
  for (const l of model.layers) {
    layers.push(l);
    if (l.name === last) break;
  }
  if (layers[layers.length - 1]?.name !== last) throw new PetlabError(`layer ${last} is not in the model`, { kind: 'internal' });
  const lastUse = new Map<string, number>();
  layers.forEach((l, i) => {
    for (const n of inbound(l)) lastUse.set(n, i);
  });
  const cuts: number[] = [0];
  const live = new Set<string>([layers[0].name]);
  for (let i = 1; i < layers.length; i++) {
    for (const n of inbound(layers[i])) if (lastUse.get(n) === i) live.delete(n);
    live.add(layers[i].name);
    const ok = live.size === 1 && (!allowedCuts || allowedCuts.has(layers[i].name) || i === layers.length - 1);
    if (ok && i > 0) cuts.push(i);
  }
  if (cuts[cuts.length - 1] !== layers.length - 1) cuts.push(layers.length - 1);
  const segs: Segment[] = [];
  for (let k = 1; k < cuts.length; k++) {
    const part = layers.slice(cuts[k - 1] + 1, cuts[k] + 1);
    segs.push({
      from: layers[cuts[k - 1]].name,
      to: layers[cuts[k]].name,
      layers: part.map((l) => l.name),
      params: part.reduce((s, l) => s + l.countParams(), 0),
    });
  }
  // A segment without parameters (pooling, reshape) is merged into the one below it: unfreezing it
  // alone means nothing. Consecutive segments of one named block (expand/depthwise/project of
  // MobileNet's expanded_conv_N) are merged too, so --unfreeze counts the blocks a reader sees.
  const merged: Segment[] = [];
  for (const s of segs) {
    const prev = merged[merged.length - 1];
    if (prev && (s.params === 0 || blockKey(prev.to) === blockKey(s.to))) {
      merged[merged.length - 1] = { from: prev.from, to: s.to, layers: [...prev.layers, ...s.layers], params: prev.params + s.params };
    } else merged.push(s);
  }
  return merged;
}

/** "MobilenetV2/expanded_conv_3/expand" and "MobilenetV2_expanded_conv_3_expand" → the block's name; "conv2d_3" stays itself. */
export function blockKey(name: string): string {
  if (name.includes('/')) return name.slice(0, name.lastIndexOf('/'));
  const i = name.lastIndexOf('_');
  if (i > 0 && /^[A-Za-z][A-Za-z0-9]*$/.test(name.slice(i + 1))) return name.slice(0, i);
  return name;
}

export type UnfreezeSpec = { kind: 'blocks'; n: number } | { kind: 'all' } | { kind: 'percent'; p: number } | { kind: 'none' };

export function parseUnfreeze(s: string | undefined): UnfreezeSpec {
  if (s === undefined || s === '' || s === '0' || s === 'none') return { kind: 'none' };
  if (s === 'all') return { kind: 'all' };
  const pm = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pm) {
    const p = Number(pm[1]);
    if (p <= 0 || p > 100) throw new PetlabError(`--unfreeze ${s}: a percentage must be in (0, 100]`, { kind: 'usage' });
    return { kind: 'percent', p };
  }
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0)
    throw new PetlabError(`--unfreeze takes a number of blocks, a percentage or "all", got "${s}"`, {
      kind: 'usage',
      hint: 'e.g. --unfreeze 4, --unfreeze 30%, --unfreeze all',
    });
  return n === 0 ? { kind: 'none' } : { kind: 'blocks', n };
}

export interface UnfreezePlan {
  /** the layer whose output feeds the trainable part (the frozen part's last layer) */
  cut: string;
  trainableLayers: string[];
  frozenLayers: string[];
  blocks: number;
  totalBlocks: number;
  trainableParams: number;
  totalParams: number;
  /** share of the backbone's parameterised layers that train */
  layerShare: number;
}

/** Which layers train for an --unfreeze spec. Percent = share of the layers that have weights, rounded to a block. */
export function planUnfreeze(segs: Segment[], spec: UnfreezeSpec, paramsOf: (layer: string) => number): UnfreezePlan {
  const total = segs.length;
  let n = 0;
  if (spec.kind === 'all') n = total;
  else if (spec.kind === 'blocks') n = Math.min(spec.n, total);
  else if (spec.kind === 'percent') {
    const weighted = segs.map((s) => s.layers.filter((l) => paramsOf(l) > 0).length);
    const all = weighted.reduce((a, b) => a + b, 0);
    let acc = 0;
    n = 0;
    // smallest top share reaching the percentage
    while (n < total && acc / all < spec.p / 100 - 1e-9) {
      acc += weighted[total - 1 - n];
      n++;
    }
  }
  const trainable = segs.slice(total - n).flatMap((s) => s.layers);
  const frozen = segs.slice(0, total - n).flatMap((s) => s.layers);
  const weightedLayers = (ls: string[]) => ls.filter((l) => paramsOf(l) > 0).length;
  const tp = trainable.reduce((a, l) => a + paramsOf(l), 0);
  const fp = frozen.reduce((a, l) => a + paramsOf(l), 0);
  return {
    cut: n === 0 ? segs[total - 1].to : segs[total - n].from,
    trainableLayers: trainable,
    frozenLayers: frozen,
    blocks: n,
    totalBlocks: total,
    trainableParams: tp,
    totalParams: tp + fp,
    layerShare: weightedLayers(trainable) / Math.max(1, weightedLayers(trainable) + weightedLayers(frozen)),
  };
}
