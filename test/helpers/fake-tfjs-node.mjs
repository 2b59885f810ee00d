// A stand-in for @tensorflow/tfjs-node that fails the way it does in worker threads: the first
// thread of a process to load it gets a working 'tensorflow' backend (tfjs's CPU kernels under that
// name), every later thread gets "Module did not self-register" (tensorflow/tfjs#8388, #2079).
// Which thread was first is kept in a lock file per process (threads share no JS state).
import { openSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

const lock = path.join(process.env.FAKE_TFJS_NODE_LOCK_DIR || os.tmpdir(), `fake-tfjs-node-${process.pid}.lock`);
try {
  closeSync(openSync(lock, 'wx'));
} catch {
  throw new Error("Module did not self-register: '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'.");
}
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
