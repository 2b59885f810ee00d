/**
 * petlab's own wasm GEMM (native/kernels.c gemm_strided) against XNNPACK's (tf.matMul on the
 * wasm backend) on the 1x1-conv shapes of the top 30% of MobileNetV2 at micro-batch 32, in the
 * same process, interleaved. CPU ms per call. Measured 2026-12-03 (load ~2.6): parity within
 * +-8% on every shape, both ~20-33 GFLOP/s, the mul+add SIMD ceiling: a GEMM of our own only
 * wins with FMA (scripts/wasm-fma-probe.mjs). With the FMA build (now the default where relaxed
 * SIMD validates; PETLAB_WASM_FMA=0 for the plain one), load ~2.7: ours 1.2-1.4x XNNPACK on every
 * shape. `npx tsx scripts/gemm-vs-xnnpack.ts [--reps 5]`
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/core/backend/select.js';
import { heapOffset, nativeKernels } from '../src/core/backend/wasm-grad/native/native-kernels.js';

const i = process.argv.indexOf('--reps');
const REPS = i >= 0 ? Number(process.argv[i + 1]) : 5;
await initBackend('wasm');
const backend = tf.backend() as BackendWasm;
const k = nativeKernels(backend);
const cpu = () => process.cpuUsage().user / 1000;
// (M, K, N): forward 1x1 convs; backward dx is the same product with K and N swapped
const shapes: [number, number, number][] = [
  [6272, 96, 576],
  [6272, 576, 96],
  [1568, 576, 160],
  [1568, 160, 960],
  [1568, 960, 160],
  [1568, 960, 320],
  [1568, 320, 1280],
];
for (const [m, kk, n] of shapes) {
  const a = tf.randomNormal([m, kk]);
  const b = tf.randomNormal([kk, n]);
  const c = tf.tensor(new Float32Array(m * n), [m, n]);
  let xnn = 0,
    own = 0;
  for (let r = 0; r < REPS + 1; r++) {
    let t = cpu();
    const y = tf.matMul(a, b);
    // wasm kernels run synchronously: no read-back needed to time them
    if (r > 0) xnn += cpu() - t;
    t = cpu();
    k.gemm_strided(heapOffset(backend, a), kk, 1, heapOffset(backend, b), n, heapOffset(backend, c), m, n, kk);
    if (r > 0) own += cpu() - t;
    if (r === 0) {
      const d = tf.sub(y, c).abs().max().dataSync()[0];
      if (d > 1e-2) throw new Error(`mismatch ${d}`);
    }
    y.dispose();
  }
  const gflops = (ms: number) => ((2 * m * kk * n) / (ms / REPS) / 1e6).toFixed(1);
  console.log(
    `${m}x${kk} @ ${kk}x${n}: xnnpack ${(xnn / REPS).toFixed(1)} ms (${gflops(xnn)} GFLOP/s), ours ${(own / REPS).toFixed(1)} ms (${gflops(own)} GFLOP/s)`,
  );
  tf.dispose([a, b, c]);
}
