import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Float32 tensors as plain arrays for a library outside tfjs (ONNX Runtime). On wasm they are views
 * of the tensors' own memory, outputs included: the library reads and writes in place, no copies
 * (a 32-picture MobileNetV2 step moves ~0.5 GB through them). Elsewhere, copies.
 *
 * `body` gets the inputs and, on wasm, the outputs to write; it returns what it wrote (or, off wasm,
 * the new arrays). It must not make tfjs tensors: an allocation can grow the wasm memory, which
 * detaches every view.
 */
export function withHeapViews(
  inputs: tf.Tensor[],
  outputShapes: number[][],
  body: (ins: Float32Array[], outs: Array<Float32Array | undefined>) => Float32Array[],
): tf.Tensor[] {
  const backend = tf.backend() as unknown as Partial<BackendWasm>;
  if (tf.getBackend() !== 'wasm' || !backend.makeOutput || !backend.dataIdMap || !backend.wasm) {
    const got = body(
      inputs.map((t) => t.dataSync() as Float32Array),
      outputShapes.map(() => undefined),
    );
    return got.map((d, i) => tf.tensor(d, outputShapes[i], 'float32'));
  }
  const outputs = outputShapes.map((shape) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput!(shape, 'float32')));
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  const view = (t: tf.Tensor) => new Float32Array(heap, backend.dataIdMap!.get(t.dataId).memoryOffset, t.size);
  try {
    body(inputs.map(view), outputs.map(view));
  } catch (e) {
    tf.dispose(outputs);
    throw e;
  }
  return outputs;
}
