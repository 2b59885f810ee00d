/**
 * A tiny .tflite writer for tests, on the flatbuffers package's Builder (so the tests' encoder is
 * not a mirror image of petlab's reader): enough to describe small graphs that exercise ops the
 * shared models do not use. Field indices follow TFLite's schema.fbs.
 */
import * as flatbuffers from 'flatbuffers';

type Scalar = { t: 'i8' | 'u8' | 'bool'; v: number } | { t: 'i32' | 'u32' | 'f32'; v: number } | { t: 'i64'; v: number };
type Node =
  | { kind: 'table'; fields: Array<Scalar | Node | undefined> }
  | { kind: 'vec'; elem: 'i32' | 'f32' | 'i64' | 'u8'; values: ArrayLike<number> }
  | { kind: 'tables'; items: Node[] }
  | { kind: 'string'; value: string };

const isScalar = (f: Scalar | Node): f is Scalar => 't' in f;

/** Build `n` with the flatbuffers package (children first, as its back-to-front layout needs). */
function build(b: flatbuffers.Builder, n: Node): flatbuffers.Offset {
  switch (n.kind) {
    case 'string':
      return b.createString(n.value);
    case 'vec': {
      const size = n.elem === 'u8' ? 1 : n.elem === 'i64' ? 8 : 4;
      // byte vectors hold tensor data: aligned to 16 as TFLite's converter does
      b.startVector(size, n.values.length, n.elem === 'u8' ? 16 : size);
      for (let i = n.values.length - 1; i >= 0; i--) {
        const v = n.values[i];
        if (n.elem === 'u8') b.addInt8(v);
        else if (n.elem === 'i32') b.addInt32(v);
        else if (n.elem === 'f32') b.addFloat32(v);
        else b.addInt64(BigInt(v));
      }
      return b.endVector();
    }
    case 'tables': {
      const items = n.items.map((item) => build(b, item));
      b.startVector(4, items.length, 4);
      for (let i = items.length - 1; i >= 0; i--) b.addOffset(items[i]);
      return b.endVector();
    }
    case 'table': {
      const children = n.fields.map((f) => (f !== undefined && !isScalar(f) ? build(b, f) : undefined));
      b.startObject(n.fields.length);
      n.fields.forEach((f, slot) => {
        if (f === undefined) return;
        if (!isScalar(f)) return b.addFieldOffset(slot, children[slot]!, 0);
        if (f.t === 'f32') b.addFieldFloat32(slot, f.v, 0);
        else if (f.t === 'i64') b.addFieldInt64(slot, BigInt(f.v), BigInt(0));
        else if (f.t === 'i32' || f.t === 'u32') b.addFieldInt32(slot, f.v, 0);
        else b.addFieldInt8(slot, f.v, 0);
      });
      return b.endObject();
    }
  }
}

// --- TFLite model description ---

export const T = { FLOAT32: 0, FLOAT16: 1, INT32: 2, UINT8: 3, INT8: 9 } as const;

export interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim?: number };
}

export interface OpSpec {
  code: number;
  inputs: number[];
  outputs: number[];
  /** builtin_options fields by schema index. */
  options?: Array<Scalar | Node | undefined>;
}

export const i8 = (v: number): Scalar => ({ t: 'i8', v });
export const i32 = (v: number): Scalar => ({ t: 'i32', v });
export const f32 = (v: number): Scalar => ({ t: 'f32', v });
export const bool = (v: boolean): Scalar => ({ t: 'bool', v: v ? 1 : 0 });
export const ints = (values: number[]): Node => ({ kind: 'vec', elem: 'i32', values });

export function buildTflite(spec: { tensors: TensorSpec[]; inputs: number[]; outputs: number[]; operators: OpSpec[] }): Uint8Array {
  const codes = [...new Set(spec.operators.map((o) => o.code))];
  const buffers: Node[] = [{ kind: 'table', fields: [] }];
  const tensors: Node[] = spec.tensors.map((t) => {
    let buffer = 0;
    if (t.data) {
      buffer = buffers.length;
      buffers.push({ kind: 'table', fields: [{ kind: 'vec', elem: 'u8', values: t.data }] });
    }
    const quant: Node | undefined = t.quant && {
      kind: 'table',
      fields: [
        undefined,
        undefined,
        { kind: 'vec', elem: 'f32', values: t.quant.scale },
        { kind: 'vec', elem: 'i64', values: t.quant.zeroPoint },
        undefined,
        undefined,
        i32(t.quant.dim ?? 0),
      ],
    };
    return { kind: 'table', fields: [ints(t.shape), i8(t.type), { t: 'u32', v: buffer }, { kind: 'string', value: t.name }, quant] };
  });
  const operators: Node[] = spec.operators.map((o) => ({
    kind: 'table',
    fields: [
      { t: 'u32', v: codes.indexOf(o.code) },
      ints(o.inputs),
      ints(o.outputs),
      o.options ? { t: 'u8', v: 1 } : undefined,
      o.options ? { kind: 'table', fields: o.options } : undefined,
    ],
  }));
  const model: Node = {
    kind: 'table',
    fields: [
      { t: 'u32', v: 3 },
      { kind: 'tables', items: codes.map((c) => ({ kind: 'table', fields: [i8(Math.min(c, 127)), undefined, i32(1), i32(c)] }) as Node) },
      {
        kind: 'tables',
        items: [{ kind: 'table', fields: [{ kind: 'tables', items: tensors }, ints(spec.inputs), ints(spec.outputs), { kind: 'tables', items: operators }] }],
      },
      { kind: 'string', value: 'petlab test model' },
      { kind: 'tables', items: buffers },
    ],
  };
  const b = new flatbuffers.Builder(1 << 16);
  b.forceDefaults(true); // every field given is written, zero or not, as TFLite's converter does
  b.finish(build(b, model), 'TFL3');
  return b.asUint8Array().slice();
}

// --- value encodings ---

export function f32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function i32Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

export function i8Bytes(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int8Array.from(values).buffer);
}

/** IEEE half floats (round to nearest, normal range only: enough for small test weights). */
export function f16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new DataView(new ArrayBuffer(values.length * 2));
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = (x & 0x7fffff) >>> 13;
    if ((x & 0x1fff) > 0x1000 || ((x & 0x1fff) === 0x1000 && mant & 1)) mant++;
    const h = values[i] === 0 ? sign : sign | ((Math.max(0, exp) << 10) + mant);
    out.setUint16(i * 2, h, true);
  }
  return new Uint8Array(out.buffer);
}

/** What a float16 round trip gives back (so the test's expectation uses the stored values). */
export function viaF16(values: ArrayLike<number>): Float32Array {
  const b = f16Bytes(values);
  const v = new DataView(b.buffer);
  return Float32Array.from({ length: values.length }, (_, i) => {
    const h = v.getUint16(i * 2, true);
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    return e === 0 ? s * 2 ** -14 * (m / 1024) : s * 2 ** (e - 15) * (1 + m / 1024);
  });
}
