import type { FineTuneRunRequest } from '../../src/core/fine-tune-run.js';

export type FineTuneRunOptions = FineTuneRunRequest['options'];

/**
 * Options for a short in-process fine-tune (runFineTune) on a small slice of real data: batches of 8
 * in micro-batches of 4, one-cycle from a fixed seed, no early stop, no EMA. A test sets what it checks.
 */
export function quickFineTuneOptions(o: Partial<FineTuneRunOptions> = {}): FineTuneRunOptions {
  return {
    epochs: 1,
    learningRate: 1e-2,
    lrFloor: 0.3,
    batchSize: 8,
    microBatch: 4,
    weightDecay: 0.01,
    labelSmoothing: 0,
    dropout: 0,
    schedule: 'one-cycle',
    seed: 42,
    patience: 0,
    ema: 0,
    ...o,
  };
}
