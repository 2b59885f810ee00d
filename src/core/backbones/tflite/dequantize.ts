import { TensorType, type Tensor } from './schema.js';

/** Why a constant tensor could not be turned into float32 values. */
export class DequantizeError extends Error {}

function count(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The raw stored values of a constant tensor, as numbers (no scaling yet). */
function rawValues(t: Tensor): { values: Float32Array; integer: boolean } {
  const data = t.data;
  if (!data) throw new DequantizeError(`tensor "${t.name}" has no constant data`);
  const n = count(t.shape);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const need = (bytesPer: number) => {
    if (data.byteLength < n * bytesPer) {
      throw new DequantizeError(`tensor "${t.name}" holds ${data.byteLength} bytes, its shape [${t.shape}] needs ${n * bytesPer}`);
    }
  };
  const out = new Float32Array(n);
  switch (t.type) {
    case TensorType.FLOAT32:
      need(4);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return { values: out, integer: false };
    case TensorType.FLOAT16:
      need(2);
      for (let i = 0; i < n; i++) out[i] = float16ToFloat32(view.getUint16(i * 2, true));
      return { values: out, integer: false };
    case TensorType.UINT8:
      need(1);
      for (let i = 0; i < n; i++) out[i] = data[i];
      return { values: out, integer: true };
    case TensorType.INT8:
      need(1);
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return { values: out, integer: true };
    case TensorType.INT16:
      need(2);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return { values: out, integer: true };
    case TensorType.INT32:
      need(4);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return { values: out, integer: true };
    case TensorType.INT64:
      need(8);
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return { values: out, integer: true };
    default:
      throw new DequantizeError(`tensor "${t.name}" has type ${TensorType[t.type] ?? t.type}, which is not numeric`);
  }
}

/** Integer values of a constant (axes, paddings, shapes). */
export function constantInts(t: Tensor): number[] {
  const { values } = rawValues(t);
  return Array.from(values, (v) => Math.round(v));
}

export interface Scales {
  scale: number[];
  zeroPoint: number[];
  /** Axis the per-channel scales run along (ignored for a single scale). */
  axis: number;
}

/** real = scale[c] * (q - zeroPoint[c]), c = index along `axis`. */
function applyScales(values: Float32Array, shape: number[], s: Scales, name: string): Float32Array {
  const channels = s.scale.length;
  if (channels === 1) {
    const sc = s.scale[0];
    const zp = s.zeroPoint[0] ?? 0;
    for (let i = 0; i < values.length; i++) values[i] = sc * (values[i] - zp);
    return values;
  }
  if (shape[s.axis] !== channels) {
    throw new DequantizeError(`tensor "${name}" has ${channels} scales but dimension ${s.axis} of [${shape}] is ${shape[s.axis]}`);
  }
  const inner = count(shape.slice(s.axis + 1));
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = s.scale[c] * (values[i] - (s.zeroPoint[c] ?? s.zeroPoint[0] ?? 0));
  }
  return values;
}

/**
 * Float32 values of a constant weight tensor: floats as they are, integers dequantized with the
 * tensor's own quantization. `fallback` gives scales for an int32 bias stored without its own
 * (TFLite's convention: bias scale = input scale * weight scale, zero point 0).
 */
export function dequantize(t: Tensor, fallback?: () => Scales | undefined): Float32Array {
  const { values, integer } = rawValues(t);
  if (!integer) return values;
  const q = t.quantization;
  if (q && q.scale.length) {
    return applyScales(values, t.shape, { scale: q.scale, zeroPoint: q.zeroPoint, axis: q.quantizedDimension }, t.name);
  }
  const f = fallback?.();
  if (f) return applyScales(values, t.shape, f, t.name);
  throw new DequantizeError(`integer tensor "${t.name}" has no quantization scale`);
}
