import onnxProto from 'onnx-proto';

/** A small helper over onnx-proto's generated messages: unique names, initializers, nodes. */
export const { onnx } = onnxProto;

type Attr = number | number[] | string | { floats: number[] } | { float: number };

function attribute(name: string, v: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

export class OnnxGraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private used = new Set<string>();
  private scalars = new Map<string, string>();

  /** A name not used yet, from a tfjs layer name (ONNX allows any string; keep them readable). */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_') || 'v';
    let name = clean;
    for (let k = 1; this.used.has(name); k++) name = `${clean}_${k}`;
    this.used.add(name);
    return name;
  }

  floats(base: string, data: Float32Array | number[], dims: number[]): string {
    const name = this.fresh(base);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    // raw_data: little-endian float32, as the ONNX spec stores it
    const raw = new Uint8Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength));
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw });
    return name;
  }

  ints(base: string, data: number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [data.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: data });
    return name;
  }

  /** A float scalar constant, shared by every node that needs the same value. */
  scalar(v: number): string {
    const key = String(v);
    let name = this.scalars.get(key);
    if (!name) {
      name = this.floats(`const_${key.replace('.', 'p').replace('-', 'm')}`, [v], []);
      this.scalars.set(key, name);
    }
    return name;
  }

  /** Add a node; returns the name of its (single) output. */
  node(opType: string, inputs: string[], base: string, attrs: Record<string, Attr> = {}): string {
    const out = this.fresh(base);
    this.nodes.push({ opType, input: inputs, output: [out], name: out, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out;
  }
}

export function valueInfo(name: string, dims: Array<number | string>): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
    },
  };
}
