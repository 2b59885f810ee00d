import { count } from '../../text/plural.js';

/**
 * When to suggest fine-tuning after a frozen training, and what it would cost. Measured (issue
 * 18, README): on Oxford pets (37 breeds, 85-93% frozen) fine-tuning the top 30% for 5 epochs with
 * 4 views gained 3.6 points on the official test split; on cats vs dogs (2 classes, 98-99% frozen)
 * nothing. A short form under 3-fold CV (2 epochs, 2 views; `npm run bench -- fine-tune-cv`)
 * showed no gain on pets (-1.16 ± 1.84) and +0.25 ± 0.13 on cats vs dogs: it pays, if at all,
 * with the full recipe, so the suggestion says what that costs. ImageNet features already separate a few
 * coarse classes; many look-alike classes that the frozen head still confuses are where it pays.
 */
export const FINE_GRAINED_CLASSES = 10;
export const FROZEN_ACCURACY_BELOW = 0.95;

/**
 * Per-image rates measured together by the bench on one machine (2-core EPYC, wasm): embedding
 * (decode + whole backbone) and fine-tuning steps through the unfrozen top 30% (forward + backward
 * + AdamW). A run's own embedding rate scales both to the machine it runs on.
 */
export const BENCH_RATES = { embed: 64, train: 46 } as const;

export interface FineTuneCostInput {
  classes: number;
  /** validation accuracy of the frozen head (undefined: not measured) */
  accuracy: number | undefined;
  trainImages: number;
  valImages: number;
  epochs: number;
  /** cached views per training picture (the frozen part runs once per view) */
  views: number;
  /** images/s of this run's embedding, when it computed any (else the bench's rate is used) */
  embedRate?: number;
  unfreeze: string;
}

export interface FineTuneAdvice {
  /** why fine-tuning may pay here */
  why: string;
  /** what alt+f would do and how long it would take */
  cost: string;
  seconds: number;
}

/** Estimated seconds of a fine-tuning run: frozen features of every view, the epochs, the evaluation. */
export function fineTuneSeconds(o: Omit<FineTuneCostInput, 'classes' | 'accuracy' | 'unfreeze'>): { seconds: number; embedRate: number; trainRate: number } {
  const embedRate = o.embedRate && o.embedRate > 0 ? o.embedRate : BENCH_RATES.embed;
  const trainRate = (embedRate * BENCH_RATES.train) / BENCH_RATES.embed;
  const features = (o.trainImages * o.views + o.valImages) / embedRate;
  const steps = (o.epochs * o.trainImages) / trainRate;
  const evaluate = o.valImages / embedRate;
  return { seconds: features + steps + evaluate, embedRate, trainRate };
}

/** The suggestion, or undefined where fine-tuning was measured not to pay (few classes, or already accurate). */
export function fineTuneAdvice(o: FineTuneCostInput): FineTuneAdvice | undefined {
  if (o.classes < FINE_GRAINED_CLASSES || o.accuracy === undefined || o.accuracy >= FROZEN_ACCURACY_BELOW || o.trainImages === 0) return undefined;
  const t = fineTuneSeconds(o);
  const rate = o.embedRate && o.embedRate > 0 ? 'measured' : "the bench's";
  return {
    why: `fine-tuning may pay: ${o.classes} classes at ${(o.accuracy * 100).toFixed(1)}% frozen (fine-grained: +3.6 points on Oxford pets' test split, full recipe)`,
    cost: `alt+f fine-tunes the top ${o.unfreeze} for ${count(o.epochs, 'epoch')}: about ${roughDuration(t.seconds)} here (${o.trainImages}×${o.views} views at ${t.embedRate.toFixed(0)}/s ${rate}, then ${t.trainRate.toFixed(0)} images/s)`,
    seconds: t.seconds,
  };
}

/** "40 s", "3 min", "1.5 h": an estimate, not a figure to the second. */
export function roughDuration(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s / 5) * 5)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
