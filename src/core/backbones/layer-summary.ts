import type * as tf from '@tensorflow/tfjs';

/** One row of the model stack: what a user needs to read a network as a stack of layers. */
export interface LayerRow {
  index: number;
  name: string;
  type: string;
  outputShape: (number | null)[];
  params: number;
  trainable: boolean;
  part: 'backbone' | 'head';
  /** true for layers whose output the activations view can show (conv, depthwise, pooling, dense...) */
  inspectable: boolean;
}

const INSPECTABLE = new Set([
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Add',
  'Dense',
  'BatchNormalization',
  'LeakyReLU',
  'ReLU',
  'Activation',
  'Concatenate',
  'Multiply',
]);

function shapeOf(layer: tf.layers.Layer): (number | null)[] {
  const s = layer.outputShape as unknown;
  if (Array.isArray(s) && Array.isArray(s[0])) return (s[0] as (number | null)[]).slice();
  return (s as (number | null)[]).slice();
}

export function summarizeLayers(model: tf.LayersModel, part: 'backbone' | 'head', upTo?: string): LayerRow[] {
  const rows: LayerRow[] = [];
  for (const [i, l] of model.layers.entries()) {
    rows.push({
      index: i,
      name: l.name,
      type: l.getClassName(),
      outputShape: shapeOf(l),
      params: l.countParams(),
      trainable: l.trainable && l.countParams() > 0,
      part,
      inspectable: INSPECTABLE.has(l.getClassName()),
    });
    if (upTo && l.name === upTo) break;
  }
  return rows;
}
