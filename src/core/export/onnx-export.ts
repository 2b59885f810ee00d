import { PREPROCESS_LAYER, type Classifier } from './classifier.js';
import { ONNX_INPUT, ONNX_OUTPUT } from './describe.js';
import { onnx, OnnxGraphBuilder, valueInfo } from './onnx-builder.js';
import { LayerConverter, type OnnxValue } from './onnx-layers.js';
import { fakeQuantize, quantizeConvWeights } from './onnx-qdq.js';
import { INPUT_RANGE, type ActivationRanges } from '../backbones/tflite/activation-ranges.js';

/** int8 inference (onnx-qdq.ts): the activation grids, and the layers whose output stays float (the network's end). */
export interface Int8Plan {
  ranges: ActivationRanges;
  float: string[];
}

/**
 * Opset 13 (ONNX 1.8, IR 7): every op used here (Conv, Gemm, Clip with min/max inputs, Pad with a
 * pads input, per-axis Softmax, BatchNormalization, pooling) has its modern form there, and
 * ONNX Runtime, TensorRT, OpenVINO, onnxruntime-web, CoreML/TFLite converters all read it; later
 * opsets add nothing this graph needs.
 */
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

export { ONNX_INPUT, ONNX_OUTPUT };

export interface OnnxExportInfo {
  producerVersion: string;
  /** metadata_props: string keys and values */
  metadata: Record<string, string>;
  docString: string;
}

/** The classifier as an ONNX ModelProto, encoded. */
export function classifierToOnnx(c: Classifier, info: OnnxExportInfo): Uint8Array {
  return networkToOnnx(c, info, ONNX_OUTPUT);
}

/**
 * Any network built by buildNetwork as an ONNX ModelProto: its output, named `output`, in tfjs's
 * shape and element order ([N, features], or NHWC for a 4-d one).
 */
export function networkToOnnx(c: Classifier, info: OnnxExportInfo, output: string, int8?: Int8Plan): Uint8Array {
  const g = new OnnxGraphBuilder();
  const conv = new LayerConverter(g);
  const [, h, w] = c.input.shape as number[];
  g.fresh(ONNX_INPUT);
  const values = new Map<number, OnnxValue>();
  // NHWC in, NCHW inside: one transpose at the start
  values.set(c.input.id, { name: g.node('Transpose', [ONNX_INPUT], 'pixels_nchw', { perm: [0, 3, 1, 2] }), nchw: true, shape: c.input.shape });
  let last: OnnxValue | undefined;
  for (const s of c.steps) {
    const ins = s.inputs.map((t) => values.get(t.id)!);
    last = conv.convert(s.layer, ins, s.output.shape);
    // the preprocessing's output is the network's input, quantized on the input's grid
    const range = int8?.ranges[s.layer.name === PREPROCESS_LAYER ? INPUT_RANGE : s.layer.name];
    if (range && !int8!.float.includes(s.layer.name)) last = { ...last, name: fakeQuantize(g, last.name, range) };
    values.set(s.output.id, last);
  }
  if (int8) quantizeConvWeights(g);
  const outShape = c.model.outputs[0].shape.slice(1) as number[];
  // the graph's output under a stable name
  g.nodes.push({ opType: 'Identity', input: [conv.toTf(last!)], output: [output], name: output });
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'petlab',
    producerVersion: info.producerVersion,
    docString: info.docString,
    graph: {
      name: c.model.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(ONNX_INPUT, ['batch', h, w, 3])],
      output: [valueInfo(output, ['batch', ...outShape])],
    },
    metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
