import type * as Ort from 'onnxruntime-node';
import type { Backbone } from '../backbones/load.js';
import { buildNetwork } from '../export/classifier.js';
import { networkToOnnx, ONNX_INPUT } from '../export/onnx-export.js';
import { PetlabError } from '../errors.js';
import type { BackendName, InferenceEngine, InferencePreference } from '../backend/names.js';
import type { CallContext } from './protocol.js';
import { loadPointwiseEngine, type PointwiseEngine } from '../train/ort-pointwise.js';

/**
 * The frozen backbone's inference (embeddings, fine-tuning's frozen-part features) on ONNX Runtime:
 * its MLAS kernels use the CPU's full vector width (AVX2/AVX-512), where wasm SIMD is 128-bit, and
 * fuse conv + activation: ~1.9x the wasm backend's embedding pace, decode included. The graph
 * is petlab's own ONNX export of the backbone (the one `petlab export` checks against ONNX
 * Runtime); training, Grad-CAM and activations stay on TensorFlow.js.
 */

interface Runner {
  session: Ort.InferenceSession;
  output: string;
}

interface OnnxState {
  ort?: typeof Ort;
  /** fine-tuning's pointwise convolutions (null: this onnxruntime-node has no synchronous binding) */
  pointwise?: PointwiseEngine | null;
  /** the loaded backbone has a layer the ONNX export does not cover: it runs on tfjs */
  unsupported?: boolean;
  threads: number;
  /** by cut layer ('' for the embedding); cleared whenever the backbone's weights may change */
  runners: Map<string, Promise<Runner>>;
  /** --inference onnxruntime-float: no int8 */
  float?: boolean;
  /** the loaded backbone's weights were trained here: its activation grids no longer describe it */
  trained?: boolean;
}

const onnx: OnnxState = { threads: 1, runners: new Map() };

/**
 * Whether the backbone runs in int8 (onnx-qdq.ts): a quantized TFLite backbone with its own
 * activation grids, on ONNX Runtime: its embeddings and fine-tuning's frozen-part features. Not
 * while this worker trains its top; a saved fine-tuned backbone carries its frozen part's grids
 * only, so its lower part runs in int8 (the features its top learnt from) and its top in float.
 */
export function runsInt8(bb: Backbone): boolean {
  return !!onnx.ort && !onnx.float && !onnx.unsupported && !onnx.trained && !!bb.activationRanges;
}

/**
 * Pictures per ONNX Runtime run: its buffers grow with the batch (~80 MB per run of 16 at 224x224 in
 * each worker, kept between runs), and 2 at a time is as fast or faster (cache): fine-tuning bench
 * peak RSS 2.60 -> 2.01 GB; frozen bench embedding 141 -> 177 images/s (cats vs dogs, different hours).
 */
const RUN_BATCH = 2;

/**
 * Load ONNX Runtime for this worker, as asked: auto falls back to tfjs, a forced choice does not.
 * On the node backend auto keeps tfjs: libtensorflow already runs the backbone natively on every
 * core, and two native runtimes in one process is a combination nobody here could test.
 */
export async function initInference(
  pref: InferencePreference,
  backend: BackendName,
  module = 'onnxruntime-node',
): Promise<{ engine: InferenceEngine; note?: string; pointwise?: boolean; int8?: boolean }> {
  onnx.float = pref === 'onnxruntime-float';
  if (pref === 'onnxruntime-float') pref = 'onnxruntime';
  if (pref === 'tfjs' || (pref === 'auto' && backend === 'node')) {
    onnx.ort = undefined;
    return {
      engine: 'tfjs',
      note: pref === 'auto' ? 'on the node backend libtensorflow runs the backbone (--inference onnxruntime to use ONNX Runtime)' : undefined,
    };
  }
  try {
    const m = (await import(module)) as { default?: typeof Ort } & typeof Ort;
    onnx.ort = m.default ?? m;
    onnx.pointwise = loadPointwiseEngine(onnx.ort, module, () => onnx.threads) ?? null;
    return { engine: 'onnxruntime', pointwise: !!onnx.pointwise, int8: !onnx.float };
  } catch (e) {
    if (pref === 'onnxruntime')
      throw new PetlabError(`--inference onnxruntime: ONNX Runtime did not load (${(e as Error).message.split('\n')[0]})`, {
        hint: 'install it with `npm install onnxruntime-node`, or use --inference tfjs',
      });
    return { engine: 'tfjs', note: `ONNX Runtime not available (${(e as Error).message.split('\n')[0]})` };
  }
}

/** The engine of fine-tuning's pointwise convolutions when ONNX Runtime is in use here (else tfjs runs them). */
export function trainingPointwise(): PointwiseEngine | undefined {
  return (onnx.ort && onnx.pointwise) || undefined;
}

/** ONNX Runtime's threads in this worker: the cores divided among the workers. */
export function setInferenceThreads(threads: number): void {
  onnx.threads = Math.max(1, Math.floor(threads));
}

/** The backbone was replaced or its weights trained: every runner built from it is stale. */
export function backboneChanged(): void {
  onnx.unsupported = undefined;
  onnx.trained = undefined;
  dropRunners();
}

/** Fine-tuning trains the loaded backbone's top: its runners are stale, and it is no longer the quantized model. */
export function backboneTrained(): void {
  dropRunners();
  onnx.trained = true;
}

function dropRunners(): void {
  const old = [...onnx.runners.values()];
  onnx.runners.clear();
  for (const r of old) r.then((x) => x.session.release()).catch(() => undefined);
}

async function makeRunner(bb: Backbone, cut: string | undefined): Promise<Runner> {
  const ort = onnx.ort!;
  const net = buildNetwork(bb, { cut });
  const output = cut ? 'features' : 'embedding';
  // the network's output stays float: the embedding (pooled from the last grid, finer than any grid), or the cut's features
  const int8 = runsInt8(bb) ? { ranges: bb.activationRanges!, float: [cut ?? bb.spec.embeddingLayer] } : undefined;
  let bytes: Uint8Array;
  try {
    bytes = networkToOnnx(net, { producerVersion: 'petlab', metadata: {}, docString: `${bb.spec.name} to ${cut ?? 'its embedding'}` }, output, int8);
  } finally {
    net.dispose();
  }
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: onnx.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return { session, output };
}

/**
 * The backbone's output for n pictures (RGB bytes at its input size) by ONNX Runtime: the pooled
 * embedding [n, dim], or with `cut` that layer's output (NHWC). undefined when ONNX Runtime is not
 * in use, or cannot run this backbone (the caller runs it on TensorFlow.js).
 */
async function runOnOnnx(bb: Backbone, pixels: Uint8Array, n: number, cut?: string): Promise<Float32Array | undefined> {
  if (!onnx.ort || onnx.unsupported) return undefined;
  const key = cut ?? '';
  let runner = onnx.runners.get(key);
  if (!runner) {
    // one graph at a time: the embedding's and the frozen part's are not used together, and each holds its buffers
    dropRunners();
    runner = makeRunner(bb, cut);
    onnx.runners.set(key, runner);
  }
  let r: Runner;
  try {
    r = await runner;
  } catch (e) {
    // a layer the ONNX export does not cover: this backbone stays on tfjs (until another is loaded)
    onnx.unsupported = true;
    onnx.runners.clear();
    throw new OnnxFallback((e as Error).message);
  }
  const [h, w] = bb.spec.inputSize;
  const px = h * w * 3;
  let data: Float32Array | undefined;
  for (let at = 0; at < n; at += RUN_BATCH) {
    const k = Math.min(RUN_BATCH, n - at);
    const x = new Float32Array(k * px);
    for (let i = 0; i < x.length; i++) x[i] = pixels[at * px + i];
    const out = await r.session.run({ [ONNX_INPUT]: new onnx.ort.Tensor('float32', x, [k, h, w, 3]) });
    const t = out[r.output];
    const rows = t.data as Float32Array;
    // one plain ArrayBuffer for all the rows: the result is transferred to the main thread
    data ??= new Float32Array((rows.length / k) * n);
    data.set(rows, (rows.length / k) * at);
    t.dispose();
  }
  return data!;
}

/** ONNX Runtime could not take this backbone: the reason, for a one-time warning. */
class OnnxFallback extends Error {}

/** runOnOnnx, and when ONNX Runtime cannot take this backbone, a warning (once) and undefined. */
export async function onnxOrFallback(
  bb: Backbone,
  pixels: Uint8Array,
  n: number,
  cut: string | undefined,
  ctx: CallContext,
): Promise<Float32Array | undefined> {
  try {
    return await runOnOnnx(bb, pixels, n, cut);
  } catch (e) {
    if (!(e instanceof OnnxFallback)) throw e;
    ctx.emit({ type: 'warning', code: 'fallback', message: `ONNX Runtime cannot run ${bb.spec.name} (${e.message}): it runs on TensorFlow.js` });
    return undefined;
  }
}
