import type { SavedModelMeta } from '../model/meta.js';
import type { ResizeMode } from '../backbones/spec.js';
import { RESIZE_MODES } from '../backbones/spec.js';

export type ExportFormat = 'onnx' | 'tfjs' | 'web';
export const EXPORT_FORMATS: ExportFormat[] = ['onnx', 'tfjs', 'web'];

/** The ONNX graph's input and output names (here, apart from onnx-proto: the CLI's start-up reads them). */
export const ONNX_INPUT = 'pixels';
export const ONNX_OUTPUT = 'probabilities';

const RESIZE_TEXT: Record<ResizeMode, string> = {
  fill: 'squash the whole picture to the input size (no crop)',
  cover: 'take the largest centred square, then resize it to the input size',
  crop: 'take the central 87.5% of the largest centred square, then resize it',
};

/** What every export says about itself (petlab-export.json, ONNX metadata_props, model.json). */
export interface ExportDescription {
  format: 'petlab-export';
  version: 1;
  exportedAt: string;
  petlabVersion: string;
  classes: string[];
  input: {
    name: string;
    dtype: 'float32';
    shape: [null, number, number, 3];
    layout: 'NHWC';
    channels: 'RGB';
    range: [0, 255];
    resize: ResizeMode;
    resizeHow: string;
  };
  output: { name: string; shape: [null, number]; what: 'softmax probabilities, one per class, in the order of classes' };
  /** pixel p is fed to the backbone as p * scale + offset: done inside the exported graph */
  normalisationInside: { scale: number; offset: number };
  backbone: { name: string; fineTuned: boolean };
  source: string;
}

export function describeExport(meta: SavedModelMeta, modelDir: string, petlabVersion: string, names: { input: string; output: string }): ExportDescription {
  const resize = (RESIZE_MODES as string[]).includes(meta.training.resize as string) ? (meta.training.resize as ResizeMode) : 'fill';
  const [h, w] = meta.backbone.spec.inputSize;
  return {
    format: 'petlab-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    petlabVersion,
    classes: meta.classes,
    input: {
      name: names.input,
      dtype: 'float32',
      shape: [null, h, w, 3],
      layout: 'NHWC',
      channels: 'RGB',
      range: [0, 255],
      resize,
      resizeHow: RESIZE_TEXT[resize],
    },
    output: { name: names.output, shape: [null, meta.classes.length], what: 'softmax probabilities, one per class, in the order of classes' },
    normalisationInside: { scale: meta.backbone.spec.preprocess.scale, offset: meta.backbone.spec.preprocess.offset },
    backbone: { name: meta.backbone.spec.name, fineTuned: meta.backbone.fineTuned },
    source: modelDir,
  };
}

/** ONNX metadata_props: flat strings. */
export function onnxMetadata(d: ExportDescription): Record<string, string> {
  return {
    classes: JSON.stringify(d.classes),
    resize: d.input.resize,
    resize_how: d.input.resizeHow,
    input: `${d.input.name}: float32 [N, ${d.input.shape[1]}, ${d.input.shape[2]}, 3] RGB 0-255 (NHWC), already resized; normalisation is inside the graph`,
    output: `${d.output.name}: float32 [N, ${d.classes.length}] softmax probabilities in the order of classes`,
    backbone: d.backbone.name,
    fine_tuned: String(d.backbone.fineTuned),
    petlab_export: JSON.stringify(d),
  };
}

export function labelsText(classes: string[]): string {
  return classes.join('\n') + '\n';
}
