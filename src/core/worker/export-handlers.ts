import * as tf from '@tensorflow/tfjs';
import { buildClassifier } from '../export/classifier.js';
import { onnxMetadata, type ExportDescription } from '../export/describe.js';
import { classifierToOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../export/onnx-export.js';
import { modelArtifacts } from '../io/layers-model-files.js';
import { requireBackbone, requireHead } from './state.js';

type Out<T> = Promise<{ result: T; transfer?: ArrayBuffer[] }>;

export interface ExportArtifacts {
  onnx?: Uint8Array;
  tfjs?: { modelJson: string; weights: Uint8Array; customLayers: string[] };
}

/** Layer classes petlab registers itself: a tfjs program must register them too to load the model. */
const PETLAB_LAYERS = new Set(['HardSwish', 'ConstantArithmetic']);

/** The loaded backbone + head as one classifier, serialised in the formats asked for. */
export const exportHandlers = {
  async exportArtifacts(p: { formats: Array<'onnx' | 'tfjs'>; description: ExportDescription }): Out<ExportArtifacts> {
    const c = buildClassifier(requireBackbone(), requireHead());
    const result: ExportArtifacts = {};
    const transfer: ArrayBuffer[] = [];
    try {
      if (p.formats.includes('onnx')) {
        const bytes = classifierToOnnx(c, {
          producerVersion: p.description.petlabVersion,
          metadata: onnxMetadata(p.description),
          docString: `petlab classifier (${p.description.backbone.name}${p.description.backbone.fineTuned ? ', fine-tuned' : ''}): ${ONNX_INPUT} float32 [N, H, W, 3] RGB 0-255 → ${ONNX_OUTPUT} [N, classes]`,
        });
        result.onnx = bytes;
        transfer.push(bytes.buffer as ArrayBuffer);
      }
      if (p.formats.includes('tfjs')) {
        const a = await modelArtifacts(c.model);
        const weights = new Uint8Array(tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : a.weightData ? [a.weightData] : []));
        const modelJson = JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
          convertedBy: `petlab ${p.description.petlabVersion}`,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs ?? [] }],
          userDefinedMetadata: { petlabExport: p.description },
        });
        const customLayers = [...new Set(c.steps.map((s) => s.layer.getClassName()).filter((n) => PETLAB_LAYERS.has(n)))];
        result.tfjs = { modelJson, weights, customLayers };
        transfer.push(weights.buffer as ArrayBuffer);
      }
    } finally {
      c.dispose();
    }
    return { result, transfer };
  },
};
