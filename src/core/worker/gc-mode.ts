/**
 * V8's garbage collector, as the process was started. ONNX Runtime's binding hands every output
 * back in a new ArrayBuffer (~110 MB a fine-tuning step on each worker), so each worker's heap is
 * marked about once a step; by default V8 marks on up to 4 helper threads, which on 2 cores take
 * ~17% of the CPU from the workers. `--single-threaded-gc` (set in bin/petlab.js's first line and
 * in `npm run bench`) marks on the worker itself: the fine-tuning step went from 430-480 to
 * 375-379 ms (0.98x-1.03x → 1.14x-1.23x PyTorch's, same runs).
 */
export const GC_FLAG = '--single-threaded-gc';

export function gcMode(execArgv: readonly string[] = process.execArgv): { singleThreaded: boolean; note: string } {
  const singleThreaded = execArgv.includes(GC_FLAG);
  return {
    singleThreaded,
    note: singleThreaded
      ? 'single-threaded (the workers keep the cores)'
      : `V8's default, on helper threads (started without ${GC_FLAG}: run petlab as \`petlab\`, not \`node bin/petlab.js\`)`,
  };
}
