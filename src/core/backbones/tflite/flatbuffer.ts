/**
 * A minimal, bounds-checked reader for FlatBuffers binary data (only what reading a .tflite needs:
 * tables, scalars, strings and vectors). Every offset is checked against the buffer, so a cut or
 * corrupted file raises FlatbufferError instead of reading garbage.
 */

export class FlatbufferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlatbufferError';
  }
}

export class FbBuffer {
  readonly view: DataView;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  check(offset: number, size: number, what: string): void {
    if (!Number.isInteger(offset) || offset < 0 || size < 0 || offset + size > this.bytes.byteLength) {
      throw new FlatbufferError(`${what} at byte ${offset} (+${size}) lies outside the ${this.bytes.byteLength}-byte file`);
    }
  }

  u8(o: number): number {
    this.check(o, 1, 'u8');
    return this.view.getUint8(o);
  }
  i8(o: number): number {
    this.check(o, 1, 'i8');
    return this.view.getInt8(o);
  }
  u16(o: number): number {
    this.check(o, 2, 'u16');
    return this.view.getUint16(o, true);
  }
  i16(o: number): number {
    this.check(o, 2, 'i16');
    return this.view.getInt16(o, true);
  }
  i32(o: number): number {
    this.check(o, 4, 'i32');
    return this.view.getInt32(o, true);
  }
  u32(o: number): number {
    this.check(o, 4, 'u32');
    return this.view.getUint32(o, true);
  }
  f32(o: number): number {
    this.check(o, 4, 'f32');
    return this.view.getFloat32(o, true);
  }
  i64(o: number): number {
    this.check(o, 8, 'i64');
    return Number(this.view.getBigInt64(o, true));
  }
  u64(o: number): number {
    this.check(o, 8, 'u64');
    return Number(this.view.getBigUint64(o, true));
  }

  /** The root table, found through the uoffset at byte 0. */
  root(): FbTable {
    return new FbTable(this, this.u32(0));
  }

  /** 4-char file identifier at bytes 4..8 (e.g. "TFL3"). */
  identifier(): string {
    this.check(4, 4, 'file identifier');
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }
}

type ScalarKind = 'u8' | 'i8' | 'u16' | 'i16' | 'i32' | 'u32' | 'f32' | 'i64' | 'u64';
const SCALAR_SIZE: Record<ScalarKind, number> = { u8: 1, i8: 1, u16: 2, i16: 2, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

/** A table at byte `pos`: fields are located through its vtable (at pos - soffset). */
export class FbTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    readonly buf: FbBuffer,
    readonly pos: number,
  ) {
    this.vtable = pos - buf.i32(pos);
    this.vtableSize = buf.u16(this.vtable);
    const tableSize = buf.u16(this.vtable + 2);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) throw new FlatbufferError(`bad vtable at byte ${this.vtable}`);
    buf.check(this.vtable, this.vtableSize, 'vtable');
    buf.check(pos, tableSize, 'table');
  }

  /** Absolute byte position of field `index`, or 0 when the field is absent (default value). */
  private field(index: number): number {
    const slot = 4 + 2 * index;
    if (slot >= this.vtableSize) return 0;
    const rel = this.buf.u16(this.vtable + slot);
    return rel === 0 ? 0 : this.pos + rel;
  }

  has(index: number): boolean {
    return this.field(index) !== 0;
  }

  scalar(index: number, kind: ScalarKind, dflt = 0): number {
    const p = this.field(index);
    return p === 0 ? dflt : this.buf[kind](p);
  }

  bool(index: number, dflt = false): boolean {
    const p = this.field(index);
    return p === 0 ? dflt : this.buf.u8(p) !== 0;
  }

  /** Follow the uoffset stored at a field. */
  private indirect(index: number): number {
    const p = this.field(index);
    if (p === 0) return 0;
    return p + this.buf.u32(p);
  }

  table(index: number): FbTable | undefined {
    const p = this.indirect(index);
    return p === 0 ? undefined : new FbTable(this.buf, p);
  }

  string(index: number): string | undefined {
    const p = this.indirect(index);
    if (p === 0) return undefined;
    const len = this.buf.u32(p);
    this.buf.check(p + 4, len, 'string');
    return new TextDecoder().decode(this.buf.bytes.subarray(p + 4, p + 4 + len));
  }

  /** Start and length of a vector field (elements follow its u32 length). */
  private vector(index: number, elemSize: number): { start: number; length: number } | undefined {
    const p = this.indirect(index);
    if (p === 0) return undefined;
    const length = this.buf.u32(p);
    this.buf.check(p + 4, length * elemSize, 'vector');
    return { start: p + 4, length };
  }

  scalars(index: number, kind: ScalarKind): number[] {
    const size = SCALAR_SIZE[kind];
    const v = this.vector(index, size);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.buf[kind](v.start + i * size);
    return out;
  }

  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(index: number): Uint8Array | undefined {
    const v = this.vector(index, 1);
    return v ? this.buf.bytes.subarray(v.start, v.start + v.length) : undefined;
  }

  tables(index: number): FbTable[] {
    const v = this.vector(index, 4);
    if (!v) return [];
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) {
      const at = v.start + i * 4;
      out.push(new FbTable(this.buf, at + this.buf.u32(at)));
    }
    return out;
  }
}
