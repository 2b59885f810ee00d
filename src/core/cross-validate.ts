import type { Dataset } from './data/types.js';
import { embeddedFor, type EmbeddedItems } from './embed/embedded.js';
import { gatherRows } from './embed/rows.js';
import { PetlabError } from './errors.js';
import { FLIP, PLAIN } from './images/views.js';
import type { Session } from './session.js';
import { stratifiedFolds, thinClasses } from './train/folds.js';
import type { HeadOptions, LabelledEmbeddings } from './train/head.js';
import { count } from '../text/plural.js';

/** K-fold accuracy of a frozen-backbone head: per fold, then mean, sample sd and range. */
export interface CrossValidation {
  k: number;
  seed: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  folds: { n: number; correct: number; accuracy: number }[];
  /** pictures cross-validated (train + val of the dataset, readable ones) */
  n: number;
  /** classes with fewer than k pictures: some folds validate none of them */
  thin: { className: string; count: number }[];
  tta: boolean;
}

export interface CrossValidateOptions {
  head: HeadOptions;
  k: number;
  seed: number;
  /** embeddings of the mirror images, same rows: validate with flip TTA */
  flipped?: Float32Array;
  /** also train on the mirror images (flip augmentation on cached embeddings) */
  flipTrain?: boolean;
  /** validate with flip TTA (default: when flipped is given) */
  tta?: boolean;
  /**
   * < 1: each fold trains on only this seeded, stratified share of its training pictures, as a run
   * that holds out a validation split does (to compare with refitting on all of them).
   */
  trainShare?: number;
  classNames?: string[];
}

/**
 * Embed the dataset's train + val pictures (cache first) and cross-validate a head on them; a head
 * with `flip` trains on the mirror images too and validates with flip TTA, as `train` does.
 */
export async function crossValidate(
  session: Session,
  req: { dataset: Dataset; head: Omit<HeadOptions, 'numClasses'>; k: number; seed: number; tta?: boolean; embedded?: EmbeddedItems },
): Promise<CrossValidation> {
  const ds = req.dataset;
  const items = ds.items.filter((i) => i.split === 'train' || i.split === 'val');
  // the validated run's embeddings of the same pictures, when it has them: not a second pass
  const earlier = embeddedFor(
    req.embedded,
    items.map((i) => i.file),
  );
  const withMirror = req.tta || req.head.flip;
  // the pictures and their mirror images together: one decode for both
  const [emb, mirror] = earlier?.result
    ? [earlier.result, earlier.mirror]
    : await session.embedViews(
        items.map((i) => i.file),
        withMirror ? [PLAIN, FLIP] : [PLAIN],
      );
  const rows = items.map((_, i) => i).filter((i) => emb.ok[i]);
  const data: LabelledEmbeddings = { x: gatherRows(emb.vectors, emb.dim, rows), y: Int32Array.from(rows.map((r) => items[r].label)), dim: emb.dim };
  let flipped: Float32Array | undefined;
  if (withMirror) {
    const f =
      mirror ??
      (await session.embed(
        items.map((i) => i.file),
        { view: FLIP },
      ));
    if (rows.some((r) => !f.ok[r])) throw new PetlabError('a picture could be read but not its mirror image', { kind: 'internal' });
    flipped = gatherRows(f.vectors, f.dim, rows);
  }
  return crossValidateEmbeddings(session, data, {
    head: { ...req.head, numClasses: ds.classes.length },
    k: req.k,
    seed: req.seed,
    flipped,
    flipTrain: req.head.flip,
    classNames: ds.classes,
  });
}

/** Cross-validate on embeddings already in hand; the folds are spread over the session's workers. */
export async function crossValidateEmbeddings(session: Session, data: LabelledEmbeddings, o: CrossValidateOptions): Promise<CrossValidation> {
  const labels = Array.from(data.y);
  const folds = stratifiedFolds(labels, o.k, o.seed);
  const thin = thinClasses(labels, o.k).map((t) => ({ className: o.classNames?.[t.label] ?? String(t.label), count: t.count }));
  const emit = session.opts.onEvent;
  emit?.({
    type: 'phase',
    phase: 'evaluate',
    message: `cross-validating: ${o.k} folds of ${count(labels.length, 'picture')}, a head trained on the rest for each`,
  });
  if (thin.length)
    emit?.({
      type: 'warning',
      code: 'other',
      message: `${count(thin.length, 'class', 'classes')} with fewer pictures than folds (${thin
        .slice(0, 3)
        .map((t) => `${t.className}: ${t.count}`)
        .join(', ')}${thin.length > 3 ? ', …' : ''}): some folds validate none of them`,
    });
  const calls = new Set<{ cancel(): void }>();
  const unhook = session.onStop(() => calls.forEach((c) => c.cancel()));
  try {
    const results = await Promise.all(folds.map((val, f) => runFold(session, data, val, f, o, calls)));
    if (session.stopRequested) throw new PetlabError('cross-validation stopped', { hint: 'nothing was saved' });
    const accs = results.map((r) => r.accuracy);
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accs.length - 1));
    return {
      k: o.k,
      seed: o.seed,
      mean,
      std,
      min: Math.min(...accs),
      max: Math.max(...accs),
      folds: results,
      n: labels.length,
      thin,
      tta: o.tta ?? Boolean(o.flipped),
    };
  } finally {
    unhook();
  }
}

async function runFold(
  session: Session,
  data: LabelledEmbeddings,
  val: number[],
  f: number,
  o: CrossValidateOptions,
  calls: Set<{ cancel(): void }>,
): Promise<{ n: number; correct: number; accuracy: number }> {
  const inVal = new Set(val);
  let train = Array.from(data.y, (_, i) => i).filter((i) => !inVal.has(i));
  if (o.trainShare !== undefined && o.trainShare < 1) train = shareOf(train, data.y, o.trainShare, o.seed + f + 1);
  const trainX = gatherRows(data.x, data.dim, train);
  const trainY = Int32Array.from(train.map((i) => data.y[i]));
  const flipX = o.flipTrain && o.flipped ? gatherRows(o.flipped, data.dim, train) : undefined;
  const trainData: LabelledEmbeddings = flipX
    ? { x: concat(trainX, flipX), y: Int32Array.from([...trainY, ...trainY]), dim: data.dim }
    : { x: trainX, y: trainY, dim: data.dim };
  const w = await session.pool.acquire();
  try {
    const call = w.call('crossValidateFold', {
      train: trainData,
      val: { x: gatherRows(data.x, data.dim, val), dim: data.dim },
      valFlipped: o.flipped && (o.tta ?? true) ? gatherRows(o.flipped, data.dim, val) : undefined,
      options: { ...o.head, seed: o.head.seed + f },
    });
    calls.add(call);
    if (session.stopRequested) call.cancel();
    const r = await call.finally(() => calls.delete(call));
    const nc = o.head.numClasses;
    let correct = 0;
    val.forEach((row, j) => {
      let best = 0;
      for (let c = 1; c < nc; c++) if (score(r.probs, r.flippedProbs, j * nc + c) > score(r.probs, r.flippedProbs, j * nc + best)) best = c;
      if (best === data.y[row]) correct++;
    });
    session.opts.onEvent?.({ type: 'info', message: `fold ${f + 1}/${o.k}: ${correct}/${val.length}`, data: { fold: f + 1, correct, n: val.length } });
    return { n: val.length, correct, accuracy: val.length ? correct / val.length : NaN };
  } finally {
    session.pool.release(w);
  }
}

const score = (p: Float32Array, q: Float32Array | undefined, i: number) => (q ? p[i] + q[i] : p[i]);

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A seeded, stratified share of rows (the rest is what a run would hold out for validation). */
function shareOf(rows: number[], y: Int32Array, share: number, seed: number): number[] {
  const parts = Math.max(2, Math.round(1 / (1 - share)));
  const held = new Set(
    stratifiedFolds(
      rows.map((r) => y[r]),
      parts,
      seed,
    )[0],
  );
  return rows.filter((_, j) => !held.has(j));
}
