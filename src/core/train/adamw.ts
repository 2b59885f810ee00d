import * as tf from '@tensorflow/tfjs';
import { ADAMW_STEP, type AdamWStepAttrs } from '../backend/wasm-grad/adamw-kernel.js';

/**
 * AdamW with a learning rate per variable group (discriminative learning rates: lower layers
 * learn slower). tfjs's Adam has one rate for everything, and scaling gradients does not change
 * Adam's step size, so the rate must be applied in the update itself. State is exportable for
 * checkpoints (--resume).
 */
export interface ParamGroup {
  vars: tf.Variable[];
  /** multiplier of the scheduled learning rate */
  lrMult: number;
  /** apply weight decay (kernels yes, biases and norms no) */
  decay: boolean[];
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

export class AdamW {
  readonly groups: ParamGroup[];
  private m: tf.Variable[][];
  private v: tf.Variable[][];
  step = 0;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;

  constructor(groups: ParamGroup[], o: AdamWOptions = {}) {
    this.groups = groups;
    this.b1 = o.beta1 ?? 0.9;
    this.b2 = o.beta2 ?? 0.99;
    this.eps = o.epsilon ?? 1e-7;
    this.wd = o.weightDecay ?? 0.01;
    // tidy: the zeros a variable is made from are a tensor of their own
    const zeros = () => groups.map((g) => g.vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false))));
    this.m = zeros();
    this.v = zeros();
  }

  get allVars(): tf.Variable[] {
    return this.groups.flatMap((g) => g.vars);
  }

  /** One update with learning rate `lr` (times each group's multiplier). grads: same order as allVars. */
  apply(grads: tf.Tensor[], lr: number): void {
    this.step++;
    const t = this.step;
    const c1 = 1 - Math.pow(this.b1, t);
    const c2 = 1 - Math.pow(this.b2, t);
    // on wasm, one native pass per variable with the same float32 ops as below (the same bits)
    const fused = tf.getKernel(ADAMW_STEP, tf.getBackend()) !== undefined;
    let k = 0;
    tf.tidy(() => {
      this.groups.forEach((g, gi) => {
        const rate = lr * g.lrMult;
        g.vars.forEach((w, vi) => {
          const grad = grads[k++];
          const m = this.m[gi][vi];
          const v = this.v[gi][vi];
          const decay = g.decay[vi] && this.wd > 0;
          if (fused && grad.dtype === 'float32') {
            const attrs: AdamWStepAttrs = {
              b1: this.b1,
              omb1: 1 - this.b1,
              b2: this.b2,
              omb2: 1 - this.b2,
              c1,
              c2,
              eps: this.eps,
              rate,
              keep: 1 - rate * this.wd,
              decay,
            };
            const [wn, mn, vn] = tf.engine().runKernel(ADAMW_STEP, { w, m, v, g: grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
            m.assign(mn);
            v.assign(vn);
            w.assign(wn);
            return;
          }
          m.assign(tf.add(tf.mul(m, this.b1), tf.mul(grad, 1 - this.b1)));
          v.assign(tf.add(tf.mul(v, this.b2), tf.mul(tf.square(grad), 1 - this.b2)));
          const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.eps));
          const decayed = decay ? tf.mul(w, 1 - rate * this.wd) : w;
          w.assign(tf.sub(decayed, tf.mul(update, rate)));
        });
      });
    });
  }

  /** Moments as named tensors (copies), for a checkpoint. */
  exportState(): { step: number; tensors: tf.NamedTensorMap } {
    const tensors: tf.NamedTensorMap = {};
    this.groups.forEach((g, gi) =>
      g.vars.forEach((_, vi) => {
        tensors[`m/${gi}/${vi}`] = this.m[gi][vi].clone();
        tensors[`v/${gi}/${vi}`] = this.v[gi][vi].clone();
      }),
    );
    return { step: this.step, tensors };
  }

  importState(s: { step: number; tensors: tf.NamedTensorMap }): void {
    this.step = s.step;
    this.groups.forEach((g, gi) =>
      g.vars.forEach((_, vi) => {
        const m = s.tensors[`m/${gi}/${vi}`];
        const v = s.tensors[`v/${gi}/${vi}`];
        if (m) this.m[gi][vi].assign(m);
        if (v) this.v[gi][vi].assign(v);
      }),
    );
  }

  dispose(): void {
    for (const a of [...this.m, ...this.v]) for (const t of a) t.dispose();
  }
}
