/**
 * int8 inference graphs: the float ONNX graph of a quantized backbone with QuantizeLinear /
 * DequantizeLinear pairs on its activations (the grids the TFLite model was trained on) and int8
 * per-channel weights. ONNX Runtime fuses each DQ → Conv → Q into one QLinearConv (Add likewise),
 * which runs on the CPU's 8-bit dot-product instructions (VNNI): about twice the float pace. The
 * Clip of a ReLU6 before a Q on [0, 6] is dropped by ONNX Runtime as redundant.
 */
import { onnx, type OnnxGraphBuilder } from './onnx-builder.js';
import type { ActivationRange } from '../backbones/tflite/activation-ranges.js';

const T = onnx.TensorProto.DataType;

function bytesOf(a: Int8Array | Uint8Array | Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** value → Q → DQ on `range`'s grid; returns the dequantized value's name. */
export function fakeQuantize(g: OnnxGraphBuilder, value: string, range: ActivationRange): string {
  const scale = g.floats(`${value}/scale`, [range.scale], []);
  const zp = g.fresh(`${value}/zero_point`);
  g.initializers.push({ name: zp, dims: [], dataType: T.UINT8, rawData: Uint8Array.of(range.zeroPoint) });
  const q = g.node('QuantizeLinear', [value, scale, zp], `${value}/q`);
  return g.node('DequantizeLinear', [q, scale, zp], `${value}/dq`);
}

/** An int8 (or int32) initializer with per-channel scales along axis 0, dequantized by a node. */
function dequantized(g: OnnxGraphBuilder, base: string, q: Int8Array | Int32Array, dims: number[], scales: Float32Array): string {
  const name = g.fresh(`${base}/quantized`);
  const int8 = q instanceof Int8Array;
  g.initializers.push({ name, dims, dataType: int8 ? T.INT8 : T.INT32, rawData: bytesOf(q) });
  const zp = g.fresh(`${base}/zero_points`);
  const zeros = int8 ? new Int8Array(scales.length) : new Int32Array(scales.length);
  g.initializers.push({ name: zp, dims: [scales.length], dataType: int8 ? T.INT8 : T.INT32, rawData: bytesOf(zeros) });
  return g.node('DequantizeLinear', [name, g.floats(`${base}/scales`, scales, [scales.length]), zp], `${base}/dq`, { axis: 0 });
}

function floatInitializer(g: OnnxGraphBuilder, name: string): { data: Float32Array; dims: number[] } | undefined {
  const init = g.initializers.find((t) => t.name === name);
  if (!init?.rawData || init.dataType !== T.FLOAT) return undefined;
  const raw = init.rawData;
  return { data: new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)), dims: (init.dims ?? []).map(Number) };
}

/**
 * Every Conv that reads a dequantized activation gets int8 weights (symmetric, one scale per
 * output channel) and an int32 bias on the grid input scale x weight scale, as QLinearConv wants.
 * Convs on float inputs keep float weights.
 */
export function quantizeConvWeights(g: OnnxGraphBuilder): void {
  const dqScale = new Map<string, number>();
  for (const n of g.nodes) {
    if (n.opType !== 'DequantizeLinear' || n.attribute?.length) continue;
    const s = floatInitializer(g, n.input![1]);
    if (s && s.data.length === 1) dqScale.set(n.output![0], s.data[0]);
  }
  const dropped = new Set<string>();
  for (const n of [...g.nodes]) {
    if (n.opType !== 'Conv') continue;
    const sIn = dqScale.get(n.input![0]);
    const w = floatInitializer(g, n.input![1]);
    if (sIn === undefined || !w) continue;
    const co = w.dims[0];
    const per = w.data.length / co;
    const scales = new Float32Array(co);
    const q = new Int8Array(w.data.length);
    for (let c = 0; c < co; c++) {
      let max = 0;
      for (let i = 0; i < per; i++) max = Math.max(max, Math.abs(w.data[c * per + i]));
      scales[c] = max > 0 ? max / 127 : 1;
      for (let i = 0; i < per; i++) q[c * per + i] = Math.max(-127, Math.min(127, Math.round(w.data[c * per + i] / scales[c])));
    }
    const inputs = [n.input![0], dequantized(g, n.input![1], q, w.dims, scales)];
    dropped.add(n.input![1]);
    const b = n.input![2] ? floatInitializer(g, n.input![2]) : undefined;
    if (b) {
      const bScales = scales.map((s) => s * sIn);
      const bq = Int32Array.from(b.data, (v, c) => Math.round(v / bScales[c]));
      inputs.push(dequantized(g, n.input![2], bq, [co], bScales));
      dropped.add(n.input![2]);
    }
    n.input = inputs;
  }
  // the DQ nodes were appended after the convs that read them: put every node after its inputs again
  topologicalSort(g);
  g.initializers.splice(0, g.initializers.length, ...g.initializers.filter((t) => !dropped.has(t.name!)));
}

/** ONNX wants nodes in an order where each comes after the producers of its inputs. */
function topologicalSort(g: OnnxGraphBuilder): void {
  const producer = new Map<string, (typeof g.nodes)[number]>();
  for (const n of g.nodes) producer.set(n.output![0], n);
  const done = new Set<(typeof g.nodes)[number]>();
  const order: typeof g.nodes = [];
  const visit = (n: (typeof g.nodes)[number]) => {
    if (done.has(n)) return;
    done.add(n);
    for (const i of n.input ?? []) {
      const p = producer.get(i);
      if (p) visit(p);
    }
    order.push(n);
  };
  for (const n of g.nodes) visit(n);
  g.nodes.splice(0, g.nodes.length, ...order);
}
