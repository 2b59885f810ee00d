import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapOffset, nativeKernels } from './native/native-kernels.js';

/** Name of petlab's relu6-gradient kernel (dy, x) -> dy * (0 < x <= 6), registered for wasm. */
export const RELU6_GRAD = 'PetlabRelu6Grad';

/** One pass over dy and x (native/kernels.c) instead of four XNNPACK elementwise ops and three temporaries. */
export function relu6GradKernel(args: { inputs: { dy: tf.TensorInfo; x: tf.TensorInfo }; backend: BackendWasm }): tf.TensorInfo {
  const { dy, x } = args.inputs;
  const b = args.backend;
  const out = b.makeOutput(x.shape, 'float32');
  nativeKernels(b).relu6_grad(
    heapOffset(b, dy),
    heapOffset(b, x),
    heapOffset(b, out),
    x.shape.reduce((a, d) => a * d, 1),
  );
  return out;
}
