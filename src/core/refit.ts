import path from 'node:path';
import type { Dataset } from './data/types.js';
import { writeFileAtomic } from './io/atomic.js';
import { readSavedModelMeta, type SavedMetrics, type SavedModelMeta } from './model/meta.js';
import type { EpochStats } from './train/head.js';

/** What a refitted model's petlab.json says under training.refit. */
export interface RefitInfo {
  refitted: true;
  /** pictures the saved model was trained on: every readable train + val picture */
  trainedOn: number;
  /** the validated run's split, whose figures are kept in `metrics` */
  validated: { train: number; val: number };
  /** what the validated run chose and the refit reused */
  epochs: number;
  fineTuneEpochs?: number;
}

/** The same dataset with its validation pictures moved into training (official test pictures stay out). */
export function refitDataset(ds: Dataset): Dataset {
  return { ...ds, items: ds.items.map((i) => (i.split === 'val' ? { ...i, split: 'train' } : i)) };
}

/**
 * Fine-tuning epochs the validated run chose: all of them, or with early stopping, up to the epoch
 * of the lowest validation loss.
 */
export function chosenFineTuneEpochs(history: EpochStats[], earlyStopped: boolean): number {
  if (!earlyStopped || !history.length) return history.length;
  let best = 0;
  history.forEach((h, i) => {
    if ((h.valLoss ?? Infinity) < (history[best].valLoss ?? Infinity)) best = i;
  });
  return history[best].epoch;
}

/**
 * What a refit sets out to do, kept in its checkpoint's petlab.json (training.refitting) from its
 * first epoch: a refit killed mid-run is then resumed as one (on train + validation, marked
 * refitted at the end), not taken for an ordinary run. `metrics` are the validated run's figures.
 */
export type RefitPlan = Omit<RefitInfo, 'refitted'> & { metrics?: SavedMetrics };

/** The refit a checkpoint belongs to, or undefined for any other run's. */
export function refitPlanOf(meta: Pick<SavedModelMeta, 'training'>): RefitPlan | undefined {
  const plan = meta.training?.refitting as RefitPlan | undefined;
  return plan && typeof plan === 'object' && typeof plan.epochs === 'number' ? plan : undefined;
}

/**
 * Mark the model in dir as refitted: its validation figures (from the validated run, the refitted
 * model has no validation pictures left) and how it was refitted; the in-progress plan goes.
 * petlab.json is not among the digested files, so rewriting it keeps the model loadable.
 */
export async function markRefitted(dir: string, plan: RefitPlan): Promise<RefitInfo> {
  const meta = await readSavedModelMeta(dir);
  const { metrics, ...rest } = plan;
  const info: RefitInfo = { refitted: true, ...rest };
  const { refitting: _, ...training } = meta.training;
  meta.training = { ...training, refit: info };
  if (metrics) meta.metrics = metrics;
  await writeFileAtomic(path.join(dir, 'petlab.json'), JSON.stringify(meta, null, 2) + '\n');
  return info;
}

/** Below this many train + validation pictures in its thinnest class, a dataset is small. */
export const THIN_CLASS = 20;

/**
 * Whether a frozen-head run refits by default: on a small dataset (a class with fewer than
 * THIN_CLASS pictures), the 20% held out is 2-3 pictures of that class, and training on them is
 * worth more than the split (bench/accuracy.ts: +2.2 points on Oxford pets partial). Datasets
 * with their own validation folder are left alone: the user chose that split.
 */
export function refitByDefault(ds: Dataset): boolean {
  if (ds.splitSource !== 'seeded') return false;
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (const i of ds.items) if (i.split !== 'test') counts[i.label]++;
  return counts.some((n) => n > 0 && n < THIN_CLASS) && ds.items.some((i) => i.split === 'val');
}
