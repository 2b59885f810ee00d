import type * as tf from '@tensorflow/tfjs';
import { type SubGraph, TensorType } from './schema.js';

/** One tensor's 8-bit grid, in the uint8 domain: real = scale * (q - zeroPoint), q in 0..255. */
export interface ActivationRange {
  scale: number;
  zeroPoint: number;
}

/** By tfjs layer name (the network's input under INPUT_RANGE): the grid its output was trained on. */
export type ActivationRanges = Record<string, ActivationRange>;

/** The key of the network input's grid in ActivationRanges (no layer is named so: names start with a letter or digit). */
export const INPUT_RANGE = '#input';

/**
 * The 8-bit grids of a quantized TFLite model's activations, by the layer that now computes each:
 * the scales its quantization-aware training (or calibration) chose, read from the file rather than
 * re-estimated from pictures, so int8 inference is the model's own and the same on every machine.
 * undefined for a float model.
 */
export function activationRanges(sg: SubGraph, sym: ReadonlyMap<number, tf.SymbolicTensor>): ActivationRanges | undefined {
  const out: ActivationRanges = {};
  for (const [index, s] of sym) {
    const t = sg.tensors[index];
    const q = t?.quantization;
    if (!q || q.scale.length !== 1 || !(q.scale[0] > 0)) continue;
    // int8 stores q - 128: the same grid, its zero point shifted into the uint8 domain
    const shift = t.type === TensorType.INT8 ? 128 : t.type === TensorType.UINT8 ? 0 : undefined;
    if (shift === undefined) continue;
    const zeroPoint = (q.zeroPoint[0] ?? 0) + shift;
    if (zeroPoint < 0 || zeroPoint > 255) continue;
    const key = index === sg.inputs[0] ? INPUT_RANGE : s.sourceLayer.name;
    out[key] = { scale: q.scale[0], zeroPoint };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A cached copy's ranges, if well formed (anything else is treated as none). */
export function validRanges(x: unknown): ActivationRanges | undefined {
  if (!x || typeof x !== 'object') return undefined;
  for (const v of Object.values(x as Record<string, unknown>)) {
    const r = v as Partial<ActivationRange> | undefined;
    if (!r || !(Number(r.scale) > 0) || !Number.isInteger(r.zeroPoint) || r.zeroPoint! < 0 || r.zeroPoint! > 255) return undefined;
  }
  return x as ActivationRanges;
}

/**
 * The grids that still describe a backbone fine-tuned above `cut`: the input's and those of the
 * layers before the cut (model.layers is in topological order, and a cut is where one tensor
 * passes). The cut's own output stays float, as in the features fine-tuning trained on; the
 * trained layers have no grid, so they run in float.
 */
export function frozenPartRanges(model: tf.LayersModel, ranges: ActivationRanges, cut: string): ActivationRanges | undefined {
  const out: ActivationRanges = {};
  if (ranges[INPUT_RANGE]) out[INPUT_RANGE] = ranges[INPUT_RANGE];
  for (const l of model.layers) {
    if (l.name === cut) return out;
    if (ranges[l.name]) out[l.name] = ranges[l.name];
  }
  return undefined; // no such layer: no grid is known to hold
}
