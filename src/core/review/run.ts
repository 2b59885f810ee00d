/**
 * The dataset review as both front ends run it, composed from the Session: the (cached)
 * embeddings of every picture, a throwaway head per stratified fold (each picture judged by a head
 * that never saw its label), then suspects, duplicate pairs, and the index for similar pictures.
 */
import type { Dataset, DatasetItem } from '../data/types.js';
import { gatherRows } from '../embed/rows.js';
import { PetlabError } from '../errors.js';
import type { Session } from '../session.js';
import type { HeadOptions } from '../train/head.js';
import { foldTrainIndices, stratifiedFolds } from '../train/folds.js';
import type { ClosePairs } from './close-pairs.js';
import { triangleRanges } from './triangle-ranges.js';
import { normaliseRows } from './cosine.js';
import { duplicatePairs, type DuplicatePair } from './duplicates.js';
import { rankSuspects } from './suspects.js';
import { count } from '../../text/plural.js';

export interface ReviewRequest {
  dataset: Dataset;
  head: Omit<HeadOptions, 'numClasses'>;
  /** folds of the cross-validation (default 5) */
  folds?: number;
  /** largest cosine distance of a near-duplicate pair (default NEAR_DUPLICATE_DISTANCE) */
  maxDistance?: number;
}

/** Epochs of each fold's head: the planted-noise test finds as many mislabels with 10 as with 20, in half the time. */
export const REVIEW_EPOCHS = 10;
/** ...at the rate they were measured with (train's default rose to 3e-3 with 80 epochs, a recipe of its own). */
export const REVIEW_LEARNING_RATE = 1e-3;

/** Re-encoded and resized copies measured 0.01-0.09 (MobileNetV2), distinct cats 0.18 and more. */
export const NEAR_DUPLICATE_DISTANCE = 0.12;

export interface ReviewSuspect {
  file: string;
  label: string;
  suggested: string;
  score: number;
  loss: number;
  /** row in ReviewResult.items */
  row: number;
}

export interface ReviewDuplicate extends Omit<DuplicatePair, 'rows'> {
  files: [string, string];
  rows: [number, number];
}

export interface ReviewResult {
  classes: string[];
  /** the pictures reviewed (readable ones), in row order of the index */
  items: DatasetItem[];
  /** every reviewed picture, most suspicious first */
  suspects: ReviewSuspect[];
  duplicates: ReviewDuplicate[];
  /** unit-length embeddings of items, for similar-picture queries */
  index: { unit: Float32Array; dim: number };
  folds: number;
  /** out-of-fold accuracy: how often a head that never saw the picture agrees with its label */
  accuracy: number;
  skipped: { file: string; reason: string }[];
  timings: { embed: number; folds: number; duplicates: number };
  cacheHits: number;
}

/** Embeddings of every picture of the dataset (all splits), from the cache where it has them. */
export async function embedAll(
  session: Session,
  ds: Dataset,
): Promise<{ items: DatasetItem[]; x: Float32Array; dim: number; hashes: string[]; skipped: ReviewResult['skipped']; cacheHits: number }> {
  const emb = await session.embed(ds.items.map((i) => i.file));
  const rows = ds.items.map((_, i) => i).filter((i) => emb.ok[i]);
  return {
    items: rows.map((r) => ds.items[r]),
    x: gatherRows(emb.vectors, emb.dim, rows),
    dim: emb.dim,
    hashes: rows.map((r) => emb.sha256?.[r] ?? ''),
    skipped: [...ds.skipped, ...emb.failures],
    cacheHits: emb.stats.cacheHits,
  };
}

/** Out-of-fold probabilities: fold heads trained in parallel, one per free worker. */
async function outOfFold(session: Session, x: Float32Array, dim: number, labels: Int32Array, k: number, head: HeadOptions): Promise<Float32Array> {
  const n = labels.length;
  const folds = stratifiedFolds(labels, k, head.seed);
  const probs = new Float32Array(n * head.numClasses);
  const calls = new Set<{ cancel(): void }>();
  const unhook = session.onStop(() => calls.forEach((c) => c.cancel()));
  let done = 0;
  try {
    await Promise.all(
      folds.map(async (held, f) => {
        const w = await session.pool.acquire();
        try {
          if (session.stopRequested) return;
          const trainRows = foldTrainIndices(n, held);
          const call = w.call('foldProbabilities', {
            train: { x: gatherRows(x, dim, trainRows), y: Int32Array.from(trainRows.map((r) => labels[r])), dim },
            heldOut: gatherRows(x, dim, held),
            options: { ...head, seed: head.seed + f },
          });
          calls.add(call);
          const r = await call.finally(() => calls.delete(call));
          if (r.stopped) return;
          held.forEach((row, j) => probs.set(r.probs.subarray(j * head.numClasses, (j + 1) * head.numClasses), row * head.numClasses));
          done++;
          session.opts.onEvent?.({
            type: 'progress',
            phase: 'review',
            done,
            total: k,
            unit: 'batches',
            rate: 0,
            etaSeconds: null,
            detail: `fold ${done} of ${k}`,
          });
        } finally {
          session.pool.release(w);
        }
      }),
    );
  } finally {
    unhook();
  }
  if (session.stopRequested) throw new PetlabError('review stopped', { hint: 'nothing was changed; embeddings computed so far are cached' });
  return probs;
}

/** Near-duplicate candidates over all workers, each taking a part of the upper triangle. */
async function nearPairs(session: Session, unit: Float32Array, dim: number, maxDistance: number): Promise<ClosePairs[]> {
  const ranges = triangleRanges(unit.length / dim, session.pool.size);
  return Promise.all(
    ranges.map(async ([from, to]) => {
      const w = await session.pool.acquire();
      try {
        return await w.call('closePairs', { unit, dim, from, to, maxDistance });
      } finally {
        session.pool.release(w);
      }
    }),
  );
}

export async function runReview(session: Session, req: ReviewRequest): Promise<ReviewResult> {
  const ds = req.dataset;
  const emit = session.opts.onEvent;
  let t = Date.now();
  const all = await embedAll(session, ds);
  const embedSeconds = (Date.now() - t) / 1000;
  if (session.stopRequested) throw new PetlabError('review stopped', { hint: 'nothing was changed; embeddings computed so far are cached' });
  const labels = Int32Array.from(all.items.map((i) => i.label));
  const k = Math.min(req.folds ?? 5, labels.length);
  if (ds.classes.length < 2 || k < 2)
    throw new PetlabError(
      `a review needs at least 2 classes and 2 readable pictures, ${ds.root} has ${count(ds.classes.length, 'class', 'classes')} and ${count(labels.length, 'readable picture')}`,
      { hint: 'add pictures, one folder per class' },
    );
  const head: HeadOptions = { ...req.head, numClasses: ds.classes.length };
  emit?.({
    type: 'phase',
    phase: 'review',
    message: `cross-validating: ${k} heads on ${count(labels.length, 'picture')}, ${count(head.epochs, 'epoch')} each, on ${session.pool.size} worker${session.pool.size > 1 ? 's' : ''}`,
  });
  t = Date.now();
  const probs = await outOfFold(session, all.x, all.dim, labels, k, head);
  const foldSeconds = (Date.now() - t) / 1000;
  const ranked = rankSuspects(probs, labels, ds.classes.length);
  const accuracy = ranked.filter((s) => s.score < 0).length / ranked.length;
  t = Date.now();
  const unit = normaliseRows(all.x, all.dim);
  const maxDistance = req.maxDistance ?? NEAR_DUPLICATE_DISTANCE;
  emit?.({ type: 'phase', phase: 'review', message: `looking for duplicates: same bytes, or embeddings within cosine distance ${maxDistance}` });
  const pairs = duplicatePairs(
    await nearPairs(session, unit, all.dim, maxDistance),
    all.hashes,
    all.items.map((i) => i.split),
  );
  const dupSeconds = (Date.now() - t) / 1000;
  const file = (r: number) => all.items[r].file;
  return {
    classes: ds.classes,
    items: all.items,
    suspects: ranked.map((s) => ({
      file: file(s.row),
      label: ds.classes[s.label],
      suggested: ds.classes[s.suggested],
      score: s.score,
      loss: s.loss,
      row: s.row,
    })),
    duplicates: pairs.map((p) => ({ ...p, files: [file(p.rows[0]), file(p.rows[1])] })),
    index: { unit, dim: all.dim },
    folds: k,
    accuracy,
    skipped: all.skipped,
    timings: { embed: embedSeconds, folds: foldSeconds, duplicates: dupSeconds },
    cacheHits: all.cacheHits,
  };
}
