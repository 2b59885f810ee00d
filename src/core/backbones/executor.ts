import * as tf from '@tensorflow/tfjs';

/**
 * A fast inference path over a tfjs LayersModel. tfjs-layers runs conv + bias + activation as
 * separate kernels, and computes relu6 as a broadcast Minimum that on wasm costs more than all the
 * convolutions together. Here each Conv2D / DepthwiseConv2D (with a following inference-mode
 * BatchNormalization folded into its weights, and a following ReLU/ReLU6/LeakyReLU fused in) becomes
 * one tf.fused kernel: 2-3x the images/s of model.predict() on wasm, same numbers to float rounding.
 * Layers it does not know run through layer.apply(), so any model works, just less fast.
 */

type FusedActivation = 'linear' | 'relu' | 'relu6' | 'leakyrelu';

interface ConvStep {
  kind: 'conv' | 'dwconv';
  input: string;
  output: string;
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
  strides: [number, number];
  pad: 'same' | 'valid';
  dilations: [number, number];
  activation: FusedActivation;
  alpha: number;
  /** layer names folded into this step, all giving the step's output or an earlier, now invisible, one */
  covers: string[];
}

interface LayerStep {
  kind: 'layer';
  inputs: string[];
  output: string;
  layer: tf.layers.Layer;
}

type Step = ConvStep | LayerStep;

export interface InferencePlan {
  /** Runs the network from the input up to `target` (a layer name). Caller owns the result. */
  run(x: tf.Tensor4D, target: string): tf.Tensor;
  /** Layer names whose outputs the plan can return. */
  visible: Set<string>;
  dispose(): void;
}

function inboundNames(layer: tf.layers.Layer): string[] {
  const nodes = (layer as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes;
  if (!nodes.length) return [];
  return nodes[0].inboundLayers.map((l) => l.name);
}

function pair(v: unknown, dflt: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? dflt), Number(v[1] ?? v[0] ?? dflt)];
  if (typeof v === 'number') return [v, v];
  return [dflt, dflt];
}

function activationOf(cfg: tf.serialization.ConfigDict): FusedActivation | undefined {
  const a = cfg.activation as string | undefined;
  if (a === undefined || a === 'linear') return 'linear';
  if (a === 'relu' || a === 'relu6') return a;
  return undefined;
}

/** A standalone activation layer that can be fused into a preceding conv, with its alpha. */
function standaloneActivation(layer: tf.layers.Layer): { act: FusedActivation; alpha: number } | undefined {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  if (cls === 'ReLU') {
    const maxValue = cfg.maxValue as number | null | undefined;
    if ((cfg.negativeSlope ?? 0) !== 0 || (cfg.threshold ?? 0) !== 0) return undefined;
    if (maxValue == null) return { act: 'relu', alpha: 0 };
    if (maxValue === 6) return { act: 'relu6', alpha: 0 };
    return undefined;
  }
  if (cls === 'LeakyReLU') return { act: 'leakyrelu', alpha: Number(cfg.alpha ?? 0.3) };
  if (cls === 'Activation') {
    const a = cfg.activation as string;
    if (a === 'relu' || a === 'relu6') return { act: a, alpha: 0 };
  }
  return undefined;
}

export function compileInferencePlan(model: tf.LayersModel): InferencePlan {
  const owned: tf.Tensor[] = [];
  try {
    return compile(model, owned);
  } catch (e) {
    tf.dispose(owned); // folded weights made before the failure
    throw e;
  }
}

function compile(model: tf.LayersModel, owned: tf.Tensor[]): InferencePlan {
  const layers = model.layers;
  const consumers = new Map<string, number>();
  for (const l of layers) for (const n of inboundNames(l)) consumers.set(n, (consumers.get(n) ?? 0) + 1);
  const steps: Step[] = [];
  const visible = new Set<string>();
  const inputName = model.inputs[0] ? (model.inputLayers[0]?.name ?? layers[0].name) : layers[0].name;
  visible.add(inputName);
  const consumed = new Set<string>();
  const onlyConsumer = (name: string): tf.layers.Layer | undefined => {
    if (consumers.get(name) !== 1) return undefined;
    return layers.find((l) => inboundNames(l).length === 1 && inboundNames(l)[0] === name);
  };

  for (const layer of layers) {
    if (consumed.has(layer.name) || layer.getClassName() === 'InputLayer') continue;
    const cls = layer.getClassName();
    const cfg = layer.getConfig();
    const inputs = inboundNames(layer);
    const isConv = cls === 'Conv2D' || cls === 'DepthwiseConv2D';
    const act = isConv ? activationOf(cfg) : undefined;
    const shared = (layer as unknown as { inboundNodes: unknown[] }).inboundNodes.length > 1;
    if (isConv && act !== undefined && !shared && (cfg.dataFormat ?? 'channelsLast') === 'channelsLast' && inputs.length === 1) {
      const weights = layer.getWeights();
      let filter = weights[0] as tf.Tensor4D;
      let bias = cfg.useBias ? (weights[1] as tf.Tensor1D) : undefined;
      const covers = [layer.name];
      let output = layer.name;
      let activation: FusedActivation = act;
      let alpha = 0;
      // Fold a following inference-mode BatchNormalization into the conv's weights.
      const next = act === 'linear' ? onlyConsumer(layer.name) : undefined;
      let folded = false;
      if (next && next.getClassName() === 'BatchNormalization') {
        const bcfg = next.getConfig();
        const axis = bcfg.axis as number;
        if (axis === -1 || axis === 3) {
          const bw = next.getWeights();
          const center = bcfg.center !== false;
          const scale = bcfg.scale !== false;
          let k = 0;
          const gamma = scale ? bw[k++] : undefined;
          const beta = center ? bw[k++] : undefined;
          const mean = bw[k++];
          const variance = bw[k++];
          const eps = Number(bcfg.epsilon ?? 1e-3);
          const res = tf.tidy(() => {
            const inv = tf.rsqrt(tf.add(variance, eps));
            const mul = gamma ? tf.mul(inv, gamma) : inv;
            const channels = mul.shape[0];
            // conv filter [h,w,in,out] scales per out channel; depthwise [h,w,in,mult] per in*mult
            const f = cls === 'Conv2D' ? tf.mul(filter, mul) : tf.mul(filter, tf.reshape(mul, [1, 1, filter.shape[2], filter.shape[3]]));
            const b0 = bias ?? tf.zeros([channels]);
            const b = tf.add(tf.mul(tf.sub(b0, mean), mul), beta ?? 0);
            return { f: f as tf.Tensor4D, b: b as tf.Tensor1D };
          });
          filter = res.f;
          bias = res.b;
          owned.push(filter, bias);
          consumed.add(next.name);
          covers.push(next.name);
          output = next.name;
          folded = true;
        }
      }
      // Fuse a following standalone activation.
      if (activation === 'linear') {
        const after = onlyConsumer(output);
        const sa = after ? standaloneActivation(after) : undefined;
        if (after && sa) {
          activation = sa.act;
          alpha = sa.alpha;
          consumed.add(after.name);
          covers.push(after.name);
          output = after.name;
        }
      }
      if (!folded && bias) {
        // keep references only; weights belong to the model
      }
      steps.push({
        kind: cls === 'Conv2D' ? 'conv' : 'dwconv',
        input: inputs[0],
        output,
        filter,
        bias,
        strides: pair(cfg.strides, 1),
        pad: (cfg.padding as string) === 'same' ? 'same' : 'valid',
        dilations: pair(cfg.dilationRate, 1),
        activation,
        alpha,
        covers,
      });
      visible.add(output);
      continue;
    }
    steps.push({ kind: 'layer', inputs, output: layer.name, layer });
    visible.add(layer.name);
  }
  // Each step's output: keep it only until its last use.
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => {
    const ins = s.kind === 'layer' ? s.inputs : [s.input];
    for (const n of ins) lastUse.set(n, i);
  });

  const run = (x: tf.Tensor4D, target: string): tf.Tensor => {
    if (!visible.has(target)) {
      const fusedInto = steps.find((s) => s.kind !== 'layer' && s.covers.includes(target));
      throw new Error(`layer ${target} is ${fusedInto ? `fused into ${fusedInto.output}` : 'not in the model'}`);
    }
    return tf.tidy(() => {
      const values = new Map<string, tf.Tensor>();
      values.set(inputName, x);
      if (target === inputName) return x.clone();
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        let y: tf.Tensor;
        if (s.kind === 'conv' || s.kind === 'dwconv') {
          // the two fused kernels take the same arguments
          const fused = s.kind === 'conv' ? tf.fused.conv2d : tf.fused.depthwiseConv2d;
          y = fused({
            x: values.get(s.input) as tf.Tensor4D,
            filter: s.filter,
            strides: s.strides,
            pad: s.pad,
            dilations: s.dilations,
            bias: s.bias,
            activation: s.activation,
            leakyreluAlpha: s.alpha,
          });
        } else if (s.kind === 'layer') {
          const ins = s.inputs.map((n) => values.get(n)!);
          y = s.layer.apply(ins.length === 1 ? ins[0] : ins, { training: false }) as tf.Tensor;
        } else {
          throw new Error('unreachable');
        }
        values.set(s.output, y);
        if (s.output === target) return y;
        // free what no later step needs (tidy would keep all intermediates to the end)
        const ins = s.kind === 'layer' ? s.inputs : [s.input];
        for (const n of ins) {
          if (lastUse.get(n) === i && n !== inputName) {
            values.get(n)?.dispose();
            values.delete(n);
          }
        }
      }
      throw new Error(`layer ${target} not reached`);
    });
  };

  return {
    run,
    visible,
    dispose: () => {
      for (const t of owned) t.dispose();
    },
  };
}
