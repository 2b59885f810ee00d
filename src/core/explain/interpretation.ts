import { argmax, computeMetrics, type ClassMetrics } from '../eval/metrics.js';

/**
 * Where a trained model goes wrong, from an evaluation (Session.evaluate): the confusion matrix
 * with class names, the most-confused pairs, and the images it is most wrong about (top losses).
 * Plain arrays in, plain data out: the TUI's Interpretation pane and `petlab eval` both use it.
 */

export interface EvaluationRows {
  /** class names in the model's output order */
  classes: string[];
  /** one per evaluated image */
  files: string[];
  /** true class of each image, as an index into `classes` */
  labels: ArrayLike<number>;
  /** files.length rows of classes.length probabilities, flattened */
  probs: Float32Array;
}

export interface TopLoss {
  file: string;
  actual: string;
  predicted: string;
  /** cross-entropy of this image: -ln p(actual) */
  loss: number;
  /** probability the model gave its prediction */
  probability: number;
  /** probability the model gave the true class */
  actualProbability: number;
}

export interface ConfusedPairInfo {
  actual: string;
  predicted: string;
  count: number;
  /** count / images of the actual class */
  fraction: number;
}

export interface Interpretation {
  n: number;
  accuracy: number;
  classes: string[];
  /** confusion[actual][predicted], in `classes` order */
  confusion: number[][];
  perClass: ClassMetrics[];
  mostConfused: ConfusedPairInfo[];
  /** highest loss first */
  topLosses: TopLoss[];
  /** every picture, highest loss first: what a cell of the confusion grid lists (enter) */
  pictures?: TopLoss[];
}

export function interpretEvaluation(e: EvaluationRows, o: { topLosses?: number; topPairs?: number; pictures?: boolean } = {}): Interpretation {
  const k = e.classes.length;
  const n = e.files.length;
  if (e.labels.length !== n || e.probs.length !== n * k)
    throw new Error(`evaluation rows disagree: ${n} files, ${e.labels.length} labels, ${e.probs.length / Math.max(1, k)} probability rows`);
  const m = computeMetrics(e.labels, e.probs, e.classes, o.topPairs ?? 10);
  const losses: TopLoss[] = [];
  for (let i = 0; i < n; i++) {
    const y = e.labels[i];
    const p = argmax(e.probs, i * k, k);
    const actualProbability = e.probs[i * k + y];
    losses.push({
      file: e.files[i],
      actual: e.classes[y],
      predicted: e.classes[p],
      loss: -Math.log(Math.max(actualProbability, 1e-7)),
      probability: e.probs[i * k + p],
      actualProbability,
    });
  }
  losses.sort((a, b) => b.loss - a.loss || a.file.localeCompare(b.file));
  const support = new Map(m.perClass.map((c) => [c.name, c.support]));
  return {
    n: m.n,
    accuracy: m.accuracy,
    classes: e.classes,
    confusion: m.confusion,
    perClass: m.perClass,
    mostConfused: m.mostConfused.map((p) => ({ ...p, fraction: p.count / (support.get(p.actual) || 1) })),
    topLosses: losses.slice(0, Math.max(0, o.topLosses ?? 10)),
    // every row only when asked (the workbench's grid); eval --json stays its size
    ...(o.pictures ? { pictures: losses } : {}),
  };
}
