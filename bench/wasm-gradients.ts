/**
 * Speed of the wasm conv gradient kernels (src/core/backend/wasm-gradients.ts).
 *
 *   npx tsx bench/wasm-gradients.ts [--batch 32] [--reps 5] [--skip-model]
 *
 * 1. ms per call (median) of forward / dFilter / dInput for MobileNetV2-like layer shapes.
 * 2. Images/s of a full training step (forward + backward + Adam) of the top ~30% of
 *    MobileNetV2 (blocks 12-16 + Conv_1: 16 of its 53 conv layers, on cached 14x14x96 features)
 *    with a 37-class head: as the tfjs-layers model, and as fused conv ops (bias, linear) followed
 *    by tf.clipByValue(x, 0, 6) or by wasm-grad/relu6.ts (same gradient, only XNNPACK ops).
 * Timings on a shared machine vary by up to 2x between runs: compare rows of one run.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/core/backend/select.js';
import { loadLayersModelFrom } from '../src/core/io/layers-model-files.js';
import { MOBILENET_V2_TFJS } from '../test/helpers/shared.js';
import { relu6 } from '../src/core/backend/wasm-grad/relu6.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const BATCH = flag('--batch', 32);
const REPS = flag('--reps', 5);
const MODEL_DIR = MOBILENET_V2_TFJS;
const FIRST_TRAINED = 'MobilenetV2_expanded_conv_12_expand';
const CLASSES = 37;

// The wasm backend's own Conv2DBackpropInput, before ours replaces it, for comparison.
const originalBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc;
await initBackend('wasm');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `f` (the wasm backend runs kernels synchronously, so no data read is needed). */
function timeMs(f: () => tf.Tensor | tf.Tensor[] | void, reps = REPS): number {
  tf.dispose(tf.tidy(f) as tf.Tensor);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.dispose(tf.tidy(f) as tf.Tensor);
    times.push(performance.now() - t0);
  }
  return median(times);
}

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) => tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

function row(label: string, cells: number[]): void {
  console.log(label.padEnd(34) + cells.map((c) => c.toFixed(1).padStart(10)).join(''));
}

function kernelTable(): void {
  console.log(`\nms per call, batch ${BATCH} (median of ${REPS})`);
  console.log('layer'.padEnd(34) + ['forward', 'dFilter', 'dInput'].map((h) => h.padStart(10)).join(''));
  const dw: Array<[number, number, number]> = [
    [14, 384, 1],
    [28, 192, 2],
    [14, 576, 1],
    [14, 576, 2],
    [7, 960, 1],
  ];
  for (const [hw, c, s] of dw) {
    const x = tf.randomNormal([BATCH, hw, hw, c]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, c, 1]) as tf.Tensor4D;
    const dy = tf.randomNormal(tf.depthwiseConv2d(x, f, s, 'same').shape);
    const attrs = { strides: s, pad: 'same', dilations: 1 };
    row(`depthwise 3x3 ${hw}x${hw}x${c} s${s}`, [
      timeMs(() => tf.depthwiseConv2d(x, f, s, 'same')),
      timeMs(() => run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape })),
      timeMs(() => run('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape })),
    ]);
    tf.dispose([x, f, dy]);
  }
  const pw: Array<[number, number, number]> = [
    [14, 64, 384],
    [14, 384, 64],
    [14, 96, 576],
    [7, 576, 160],
    [7, 160, 960],
    [7, 960, 160],
    [7, 960, 320],
    [7, 320, 1280],
  ];
  for (const [hw, ci, co] of pw) {
    const x = tf.randomNormal([BATCH, hw, hw, ci]) as tf.Tensor4D;
    const w = tf.randomNormal([1, 1, ci, co]) as tf.Tensor4D;
    const dy = tf.randomNormal([BATCH, hw, hw, co]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC' };
    row(`conv 1x1 ${hw}x${hw}x${ci}->${co}`, [
      timeMs(() => tf.conv2d(x, w, 1, 'same')),
      timeMs(() => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape })),
      timeMs(() => run('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape })),
    ]);
    tf.dispose([x, w, dy]);
  }
  {
    const x = tf.randomNormal([BATCH, 56, 56, 24]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 24, 32]) as tf.Tensor4D;
    const dy = tf.randomNormal(tf.conv2d(x, w, 2, 'same').shape);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' };
    row('conv 3x3 56x56x24->32 s2', [
      timeMs(() => tf.conv2d(x, w, 2, 'same')),
      timeMs(() => run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape })),
      timeMs(() => run('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape })),
    ]);
    tf.dispose([x, w, dy]);
  }
  if (originalBackpropInput) {
    const w = tf.randomNormal([1, 1, 960, 160]);
    const dy = tf.randomNormal([BATCH, 7, 7, 160]);
    const ours = timeMs(() => run('Conv2DBackpropInput', { dy, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [BATCH, 7, 7, 960] }));
    const backend = tf.backend();
    const theirs = timeMs(() => {
      const info = originalBackpropInput({
        inputs: { dy, filter: w },
        backend,
        attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [BATCH, 7, 7, 960] },
      }) as tf.TensorInfo;
      backend.disposeData(info.dataId);
    }, 1);
    console.log(`Conv2DBackpropInput 1x1 7x7x960<-160: ${ours.toFixed(1)} ms (was ${theirs.toFixed(1)} ms with the wasm backend's own kernel)`);
  }
}

interface Step {
  layer: tf.layers.Layer;
  inputs: string[];
  output: string;
}

/** The layers from FIRST_TRAINED to the last 1x1 conv, in order, with their tensor names. */
function topSteps(model: tf.LayersModel): { steps: Step[]; input: string; inputShape: number[] } {
  const start = model.layers.findIndex((l) => l.name === FIRST_TRAINED);
  const end = model.layers.findIndex((l) => l.name === 'MobilenetV2_Logits_AvgPool');
  const names = (t: tf.SymbolicTensor | tf.SymbolicTensor[]) => (Array.isArray(t) ? t : [t]).map((s) => s.name);
  const steps = model.layers.slice(start, end).map((layer) => ({
    layer,
    inputs: names(layer.getInputAt(0)),
    output: (layer.getOutputAt(0) as tf.SymbolicTensor).name,
  }));
  const first = model.layers[start].getInputAt(0) as tf.SymbolicTensor;
  return { steps, input: first.name, inputShape: first.shape.slice(1) as number[] };
}

/** The top as a tfjs-layers model (the same layer objects, on a new input) plus a dense head. */
function layersTop(model: tf.LayersModel): { model: tf.LayersModel; inputShape: number[] } {
  const { steps, input, inputShape } = topSteps(model);
  const inp = tf.input({ shape: inputShape });
  const seen = new Map<string, tf.SymbolicTensor>([[input, inp]]);
  let last = inp;
  for (const s of steps) {
    const ins = s.inputs.map((n) => seen.get(n)!);
    last = s.layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor;
    seen.set(s.output, last);
  }
  const pooled = tf.layers.globalAveragePooling2d({}).apply(last) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: CLASSES }).apply(pooled) as tf.SymbolicTensor;
  return { model: tf.model({ inputs: inp, outputs: out }), inputShape };
}

/** The same top as plain fused ops on variables: conv + bias, then a relu6 with a gradient. */
function fusedTop(model: tf.LayersModel, activation: (x: tf.Tensor4D) => tf.Tensor4D): { forward: (x: tf.Tensor4D) => tf.Tensor2D; vars: tf.Variable[] } {
  const { steps, input } = topSteps(model);
  const vars: tf.Variable[] = [];
  const own = (t: tf.LayerVariable) => {
    const v = tf.variable(t.read().clone());
    vars.push(v);
    return v;
  };
  const plan = steps.map((s) => {
    const cfg = s.layer.getConfig() as { activation?: string; strides?: number[] };
    const [kernel, bias] = s.layer.weights.map(own);
    return { ...s, kind: s.layer.getClassName(), kernel, bias, relu6: cfg.activation === 'relu6', stride: cfg.strides?.[0] ?? 1 };
  });
  const lastChannels = plan[plan.length - 1].kernel.shape[3] as number;
  const dense = own({ read: () => tf.randomNormal([lastChannels, CLASSES], 0, 0.01) } as unknown as tf.LayerVariable);
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const seen = new Map<string, tf.Tensor4D>([[input, x]]);
    let last = x;
    for (const p of plan) {
      const ins = p.inputs.map((n) => seen.get(n)!);
      if (p.kind === 'Add') last = tf.add(ins[0], ins[1]);
      else {
        const y =
          p.kind === 'DepthwiseConv2D'
            ? tf.fused.depthwiseConv2d({ x: ins[0], filter: p.kernel as tf.Tensor4D, strides: p.stride, pad: 'same', bias: p.bias })
            : tf.fused.conv2d({ x: ins[0], filter: p.kernel as tf.Tensor4D, strides: p.stride, pad: 'same', bias: p.bias });
        last = p.relu6 ? activation(y) : y;
      }
      seen.set(p.output, last);
    }
    return tf.matMul(tf.mean(last, [1, 2]) as tf.Tensor2D, dense) as tf.Tensor2D;
  };
  return { forward, vars };
}

/** One training step (forward + backward + Adam update) on a fixed batch of random features. */
function trainingStep(inputShape: number[], loss: (x: tf.Tensor4D, y: tf.Tensor2D) => tf.Scalar, vars?: tf.Variable[]) {
  const x = tf.randomUniform([BATCH, ...inputShape] as [number, number, number, number], 0, 6) as tf.Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, CLASSES, 'int32') as tf.Tensor1D, CLASSES) as tf.Tensor2D);
  const opt = tf.train.adam(1e-4);
  return {
    run: () => tf.dispose(opt.minimize(() => loss(x, y), true, vars) ?? []),
    dispose: () => {
      tf.dispose([x, y]);
      opt.dispose();
    },
  };
}

async function modelBench(): Promise<void> {
  const full = await loadLayersModelFrom(MODEL_DIR);
  const { model, inputShape } = layersTop(full);
  const convs = full.layers.filter((l) => /Conv2D/.test(l.getClassName())).length;
  const trained = topSteps(full).steps.filter((s) => /Conv2D/.test(s.layer.getClassName())).length;
  console.log(
    `\nMobileNetV2 top: ${trained} of ${convs} conv layers from ${FIRST_TRAINED} (input ${inputShape.join('x')}), ${CLASSES}-class head, batch ${BATCH}`,
  );
  const xent = (logits: tf.Tensor, y: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  const clip = fusedTop(full, (x) => tf.clipByValue(x, 0, 6));
  const fast = fusedTop(full, (x) => relu6(x));
  const variants: Array<[string, ReturnType<typeof trainingStep>]> = [
    ['tfjs-layers model', trainingStep(inputShape, (x, y) => xent(model.apply(x) as tf.Tensor, y))],
    ['fused ops + tf.clipByValue(x, 0, 6)', trainingStep(inputShape, (x, y) => xent(clip.forward(x), y), clip.vars)],
    ['fused ops + relu6 (wasm-grad/relu6.ts)', trainingStep(inputShape, (x, y) => xent(fast.forward(x), y), fast.vars)],
  ];
  // Rounds interleave the variants so that load from other processes hits them alike.
  const times = variants.map(() => [] as number[]);
  for (const [, step] of variants) step.run();
  for (let round = 0; round < Math.max(3, REPS); round++) {
    variants.forEach(([, step], i) => {
      const t0 = performance.now();
      step.run();
      times[i].push(performance.now() - t0);
    });
  }
  console.log(`training step images/s over ${times[0].length} rounds:`.padEnd(56) + 'median'.padStart(8) + 'best'.padStart(8));
  variants.forEach(([label, step], i) => {
    const rate = (ms: number) => ((BATCH * 1000) / ms).toFixed(1).padStart(8);
    console.log(`  ${label.padEnd(54)}${rate(median(times[i]))}${rate(Math.min(...times[i]))}`);
    step.dispose();
  });
  const fwd = timeMs(() => fast.forward(tf.zeros([BATCH, ...inputShape] as [number, number, number, number])), 3);
  console.log(`forward only, fused ops: ${((BATCH * 1000) / fwd).toFixed(1)} images/s`);
  tf.dispose([...clip.vars, ...fast.vars]);
  full.dispose();
}

kernelTable();
if (!args.includes('--skip-model')) await modelBench();
