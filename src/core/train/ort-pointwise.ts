import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import { OnnxGraphBuilder, onnx, valueInfo } from '../export/onnx-builder.js';
import { ONNX_IR_VERSION, ONNX_OPSET } from '../export/onnx-export.js';

/**
 * Fine-tuning's pointwise (1x1) convolutions, forward and backward, as matrix products on ONNX
 * Runtime. They are ~3/4 of a MobileNetV2 top-30% step, and MLAS's full-width AVX2/AVX-512 GEMMs
 * run them ~3x faster than wasm's 128-bit SIMD (160→960 at 7x7, batch 32, with the copies: 21 vs
 * 69 ms). tfjs gradients are synchronous, so this uses the binding's synchronous run (the public API
 * only wraps it in a promise).
 */

/** An output of any shape (the graphs take any batch and channel counts). */
const anyShape = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });

export type PointwiseAct = 'linear' | 'relu' | 'relu6';

export interface PointwiseGrads {
  dk: Float32Array;
  db?: Float32Array;
  dx?: Float32Array;
}

/** Where an output goes: a buffer the caller made (e.g. a tensor's wasm memory), written in place. */
export type Out = Float32Array | undefined;

export interface PointwiseEngine {
  /** act(x @ k + b): x [m, i] rows, k [i, o] (a tfjs 1x1 kernel as it is laid out), b [o] */
  forward(p: { x: Float32Array; k: Float32Array; b?: Float32Array; m: number; act: PointwiseAct; out?: Out }): Float32Array;
  /** gradients from dy, the gradient of the activation's output y (y from forward) */
  backward(p: {
    x: Float32Array;
    k: Float32Array;
    y?: Float32Array;
    dy: Float32Array;
    m: number;
    act: PointwiseAct;
    bias: boolean;
    dx: boolean;
    out?: { dk?: Out; db?: Out; dx?: Out };
  }): PointwiseGrads;
  /** milliseconds spent in it since the last reset, for the step profile */
  readonly ms: number;
  resetClock(): void;
}

interface SyncSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: Ort.InferenceSession.SessionOptions): void;
  run(feeds: Record<string, Ort.Tensor>, fetches: Record<string, Ort.Tensor | null>, options: object): Record<string, Ort.Tensor>;
  dispose(): void;
}

interface Binding {
  InferenceSession: new () => SyncSession;
}

/** The synchronous binding of the onnxruntime-node that `module` resolves to, or undefined. */
function syncBinding(module: string): { binding: Binding; init: () => void } | undefined {
  try {
    const req = createRequire(import.meta.url);
    const file = path.join(path.dirname(req.resolve(module)), 'binding.js');
    if (!existsSync(file)) return undefined;
    const b = req(file) as { binding?: Binding; initOrt?: () => void };
    return b.binding?.InferenceSession && b.initOrt ? { binding: b.binding, init: b.initOrt } : undefined;
  } catch {
    return undefined;
  }
}

function activation(g: OnnxGraphBuilder, y: string, act: PointwiseAct): string {
  if (act === 'relu') return g.node('Relu', [y], 'y');
  if (act === 'relu6') return g.node('Clip', [y, g.scalar(0), g.scalar(6)], 'y');
  return y;
}

/** d(act)/dy as a mask on the activation's output: relu6 passes where 0 < y < 6, relu where y > 0. */
function activationGrad(g: OnnxGraphBuilder, dy: string, y: string, act: PointwiseAct): string {
  if (act === 'linear') return dy;
  const above = g.node('Greater', [y, g.scalar(0)], 'above');
  const pass = act === 'relu6' ? g.node('And', [above, g.node('Less', [y, g.scalar(6)], 'below')], 'pass') : above;
  return g.node('Where', [pass, dy, g.scalar(0)], 'd');
}

function modelBytes(g: OnnxGraphBuilder, inputs: Array<[string, Array<string | number>]>, outputs: string[]): Uint8Array {
  const model = {
    // the export's opset: MatMul, Gemm, Clip, Where and the comparisons all have their modern form there
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: 'pointwise',
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map(([n, d]) => valueInfo(n, d)),
      output: outputs.map(anyShape),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

function forwardGraph(act: PointwiseAct, bias: boolean): Uint8Array {
  const g = new OnnxGraphBuilder();
  const mm = g.node('MatMul', ['x', 'k'], 'mm');
  const y = activation(g, bias ? g.node('Add', [mm, 'b'], 'z') : mm, act);
  const out = g.node('Identity', [y], 'out');
  const inputs: Array<[string, Array<string | number>]> = [
    ['x', ['M', 'I']],
    ['k', ['I', 'O']],
  ];
  if (bias) inputs.push(['b', ['O']]);
  return modelBytes(g, inputs, [out]);
}

function backwardGraph(act: PointwiseAct, bias: boolean, dx: boolean): { bytes: Uint8Array; outputs: string[] } {
  const g = new OnnxGraphBuilder();
  const d = activationGrad(g, 'dy', 'y', act);
  const outputs = [g.node('Gemm', ['x', d], 'dk', { transA: 1 })];
  // the bias gradient as a product with a row of ones: ORT's ReduceSum over rows is ~5x slower
  if (bias) outputs.push(g.node('MatMul', ['ones', d], 'db'));
  if (dx) outputs.push(g.node('Gemm', [d, 'k'], 'dx', { transB: 1 }));
  const inputs: Array<[string, Array<string | number>]> = [
    ['x', ['M', 'I']],
    ['dy', ['M', 'O']],
  ];
  if (act !== 'linear') inputs.push(['y', ['M', 'O']]);
  if (dx) inputs.push(['k', ['I', 'O']]);
  if (bias) inputs.push(['ones', [1, 'M']]);
  return { bytes: modelBytes(g, inputs, outputs), outputs };
}

/**
 * A pointwise engine on the onnxruntime-node `module` (1 thread: each worker takes a core), or
 * undefined when that module has no synchronous binding (another version, a stand-in).
 */
export function loadPointwiseEngine(ort: typeof Ort, module = 'onnxruntime-node', threads: () => number = () => 1): PointwiseEngine | undefined {
  const sync = syncBinding(module);
  if (!sync) return undefined;
  sync.init();
  const sessions = new Map<string, { s: SyncSession; outputs: string[] }>();
  let ms = 0;
  const session = (key: string, build: () => { bytes: Uint8Array; outputs: string[] }) => {
    let e = sessions.get(key);
    if (!e) {
      const { bytes, outputs } = build();
      const s = new sync.binding.InferenceSession();
      s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: threads(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // shapes change with every layer: an arena would keep the largest of each session's buffers
        enableCpuMemArena: false,
        enableMemPattern: false,
        logSeverityLevel: 3,
      });
      e = { s, outputs };
      sessions.set(key, e);
    }
    return e;
  };
  const run = (e: { s: SyncSession; outputs: string[] }, feeds: Record<string, Ort.Tensor>, outs: Array<Ort.Tensor | null>) => {
    const t0 = performance.now();
    const out = e.s.run(feeds, Object.fromEntries(e.outputs.map((o, i) => [o, outs[i] ?? null])), {});
    ms += performance.now() - t0;
    // a preallocated output is written in place; the others come back as new arrays
    return e.outputs.map((o, i) => (outs[i]?.data as Float32Array | undefined) ?? (out[o].data as Float32Array));
  };
  const T = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  let ones = new Float32Array(0);
  const onesOf = (m: number) => (ones.length === m ? ones : (ones = new Float32Array(m).fill(1)));
  const maybe = (data: Out, dims: number[]) => (data ? T(data, dims) : null);
  return {
    forward({ x, k, b, m, act, out }) {
      const i = x.length / m;
      const o = k.length / i;
      const e = session(`f/${act}/${!!b}`, () => ({ bytes: forwardGraph(act, !!b), outputs: ['out'] }));
      const feeds: Record<string, Ort.Tensor> = { x: T(x, [m, i]), k: T(k, [i, o]) };
      if (b) feeds.b = T(b, [o]);
      return run(e, feeds, [maybe(out, [m, o])])[0];
    },
    backward(p) {
      const i = p.x.length / p.m;
      const o = p.k.length / i;
      const e = session(`b/${p.act}/${p.bias}/${p.dx}`, () => backwardGraph(p.act, p.bias, p.dx));
      const feeds: Record<string, Ort.Tensor> = { x: T(p.x, [p.m, i]), dy: T(p.dy, [p.m, o]) };
      if (p.act !== 'linear') feeds.y = T(p.y!, [p.m, o]);
      if (p.dx) feeds.k = T(p.k, [i, o]);
      if (p.bias) feeds.ones = T(onesOf(p.m), [1, p.m]);
      const outs = [maybe(p.out?.dk, [i, o])];
      if (p.bias) outs.push(maybe(p.out?.db, [1, o]));
      if (p.dx) outs.push(maybe(p.out?.dx, [p.m, i]));
      const r = run(e, feeds, outs);
      return { dk: r[0], db: p.bias ? r[1] : undefined, dx: p.dx ? r[p.bias ? 2 : 1] : undefined };
    },
    get ms() {
      return ms;
    },
    resetClock() {
      ms = 0;
    },
  };
}
