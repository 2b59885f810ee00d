import * as tf from '@tensorflow/tfjs';

export interface ConstantArithmeticArgs {
  name?: string;
  op: 'add' | 'mul';
  /** One value (a scalar) or one per channel (the last axis). */
  values: number[];
}

/**
 * x + c or x * c with a fixed constant c: TFLite's ADD/MUL with a constant operand, as in the
 * hard-sigmoid of MobileNetV3's squeeze-excite blocks (relu6(x + 3) * 1/6). The constant is part
 * of the architecture, not a weight, so it lives in the config; registered for serialization.
 */
export class ConstantArithmetic extends tf.layers.Layer {
  static className = 'ConstantArithmetic';
  readonly op: 'add' | 'mul';
  readonly values: number[];

  constructor(args: ConstantArithmeticArgs) {
    super({ name: args.name });
    this.op = args.op;
    this.values = [...args.values];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const c = this.values.length === 1 ? tf.scalar(this.values[0]) : tf.tensor1d(this.values);
      return this.op === 'add' ? tf.add(x, c) : tf.mul(x, c);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), op: this.op, values: this.values };
  }
}

tf.serialization.registerClass(ConstantArithmetic);
