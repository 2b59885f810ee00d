/**
 * A tiny .tflite writer for tests: lays FlatBuffers objects out front to back (every child after
 * the field that points to it, as unsigned offsets require), enough to describe small graphs that
 * exercise ops the shared models do not use. Field indices follow TFLite's schema.fbs.
 */

type Scalar = { t: 'i8' | 'u8' | 'bool'; v: number } | { t: 'i32' | 'u32' | 'f32'; v: number } | { t: 'i64'; v: number };
type Node =
  | { kind: 'table'; fields: Array<Scalar | Node | undefined> }
  | { kind: 'vec'; elem: 'i32' | 'f32' | 'i64' | 'u8'; values: ArrayLike<number> }
  | { kind: 'tables'; items: Node[] }
  | { kind: 'string'; value: string };

const SIZE = { i8: 1, u8: 1, bool: 1, i32: 4, u32: 4, f32: 4, i64: 8 } as const;

const isScalar = (f: Scalar | Node): f is Scalar => 't' in f;

class Writer {
  buf = new Uint8Array(1 << 16);
  view = new DataView(this.buf.buffer);
  end = 0;

  private grow(n: number): void {
    if (this.end + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.end + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  align(a: number, shift = 0): void {
    while ((this.end + shift) % a !== 0) this.bytes(new Uint8Array(1));
  }

  bytes(b: Uint8Array): number {
    this.grow(b.length);
    const at = this.end;
    this.buf.set(b, at);
    this.end += b.length;
    return at;
  }

  reserve(n: number): number {
    return this.bytes(new Uint8Array(n));
  }

  scalar(at: number, s: Scalar): void {
    const v = this.view;
    switch (s.t) {
      case 'i8':
        return v.setInt8(at, s.v);
      case 'u8':
      case 'bool':
        return v.setUint8(at, s.v);
      case 'i32':
        return v.setInt32(at, s.v, true);
      case 'u32':
        return v.setUint32(at, s.v, true);
      case 'f32':
        return v.setFloat32(at, s.v, true);
      case 'i64':
        return v.setBigInt64(at, BigInt(s.v), true);
    }
  }

  /** Write `node` at the end; returns its position. */
  node(n: Node): number {
    switch (n.kind) {
      case 'string': {
        this.align(4);
        const enc = new TextEncoder().encode(n.value);
        const at = this.reserve(4 + enc.length + 1);
        this.view.setUint32(at, enc.length, true);
        this.buf.set(enc, at + 4);
        return at;
      }
      case 'vec': {
        const size = SIZE[n.elem];
        this.align(Math.max(4, size), 4); // elements (after the u32 length) aligned to their size
        const at = this.reserve(4 + size * n.values.length);
        this.view.setUint32(at, n.values.length, true);
        for (let i = 0; i < n.values.length; i++) this.scalar(at + 4 + i * size, { t: n.elem === 'u8' ? 'u8' : n.elem, v: n.values[i] } as Scalar);
        return at;
      }
      case 'tables': {
        this.align(4);
        const at = this.reserve(4 + 4 * n.items.length);
        this.view.setUint32(at, n.items.length, true);
        n.items.forEach((item, i) => {
          const slot = at + 4 + 4 * i;
          const child = this.node(item);
          this.view.setUint32(slot, child - slot, true);
        });
        return at;
      }
      case 'table': {
        // vtable first, then the table (its soffset points back to the vtable)
        const layout: Array<{ index: number; size: number; f: Scalar | Node }> = [];
        n.fields.forEach((f, index) => {
          if (f !== undefined) layout.push({ index, size: isScalar(f) ? SIZE[f.t] : 4, f });
        });
        layout.sort((a, b) => b.size - a.size); // biggest first keeps fields aligned
        let off = 4;
        const offsets = layout.map((l) => {
          off = Math.ceil(off / l.size) * l.size;
          const o = off;
          off += l.size;
          return o;
        });
        const tableSize = Math.ceil(off / 4) * 4;
        this.align(2);
        const vt = this.reserve(4 + 2 * n.fields.length);
        this.view.setUint16(vt, 4 + 2 * n.fields.length, true);
        this.view.setUint16(vt + 2, tableSize, true);
        layout.forEach((l, k) => this.view.setUint16(vt + 4 + 2 * l.index, offsets[k], true));
        this.align(8);
        const t = this.reserve(tableSize);
        this.view.setInt32(t, t - vt, true);
        layout.forEach((l, k) => {
          if (isScalar(l.f)) this.scalar(t + offsets[k], l.f);
        });
        layout.forEach((l, k) => {
          if (isScalar(l.f)) return;
          const slot = t + offsets[k];
          const child = this.node(l.f);
          this.view.setUint32(slot, child - slot, true);
        });
        return t;
      }
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
      fields: [undefined, undefined, { kind: 'vec', elem: 'f32', values: t.quant.scale }, { kind: 'vec', elem: 'i64', values: t.quant.zeroPoint }, undefined, undefined, i32(t.quant.dim ?? 0)],
    };
    return { kind: 'table', fields: [ints(t.shape), i8(t.type), { t: 'u32', v: buffer }, { kind: 'string', value: t.name }, quant] };
  });
  const operators: Node[] = spec.operators.map((o) => ({
    kind: 'table',
    fields: [{ t: 'u32', v: codes.indexOf(o.code) }, ints(o.inputs), ints(o.outputs), o.options ? { t: 'u8', v: 1 } : undefined, o.options ? { kind: 'table', fields: o.options } : undefined],
  }));
  const model: Node = {
    kind: 'table',
    fields: [
      { t: 'u32', v: 3 },
      { kind: 'tables', items: codes.map((c) => ({ kind: 'table', fields: [i8(Math.min(c, 127)), undefined, i32(1), i32(c)] }) as Node) },
      { kind: 'tables', items: [{ kind: 'table', fields: [{ kind: 'tables', items: tensors }, ints(spec.inputs), ints(spec.outputs), { kind: 'tables', items: operators }] }] },
      { kind: 'string', value: 'petlab test model' },
      { kind: 'tables', items: buffers },
    ],
  };
  const w = new Writer();
  w.reserve(8);
  w.buf.set(new TextEncoder().encode('TFL3'), 4);
  const root = w.node(model);
  w.view.setUint32(0, root, true);
  return w.buf.slice(0, w.end);
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
    const h = values[i] === 0 ? sign : sign | (Math.max(0, exp) << 10) + mant;
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
