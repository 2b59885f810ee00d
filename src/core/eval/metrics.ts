/** Classification metrics from true labels and predicted probabilities. Plain arrays: no tensors. */

export interface ConfusedPair {
  actual: string;
  predicted: string;
  count: number;
}

export interface ClassMetrics {
  name: string;
  support: number;
  correct: number;
  accuracy: number;
}

export interface Metrics {
  n: number;
  accuracy: number;
  loss: number;
  perClass: ClassMetrics[];
  /** confusion[actual][predicted] */
  confusion: number[][];
  mostConfused: ConfusedPair[];
}

export function argmax(row: ArrayLike<number>, offset = 0, len = row.length): number {
  let best = 0;
  for (let j = 1; j < len; j++) if (row[offset + j] > row[offset + best]) best = j;
  return best;
}

/** probs: n rows of numClasses probabilities, flattened. */
export function computeMetrics(labels: ArrayLike<number>, probs: Float32Array, classes: string[], topPairs = 10): Metrics {
  const k = classes.length;
  const n = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const p = argmax(probs, i * k, k);
    const y = labels[i];
    confusion[y][p]++;
    if (p === y) correct++;
    loss -= Math.log(Math.max(probs[i * k + y], 1e-7));
  }
  const perClass = classes.map((name, c) => {
    const support = confusion[c].reduce((a, b) => a + b, 0);
    return { name, support, correct: confusion[c][c], accuracy: support ? confusion[c][c] / support : 0 };
  });
  const pairs: ConfusedPair[] = [];
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) if (a !== b && confusion[a][b] > 0) pairs.push({ actual: classes[a], predicted: classes[b], count: confusion[a][b] });
  pairs.sort((x, y) => y.count - x.count || x.actual.localeCompare(y.actual));
  return { n, accuracy: n ? correct / n : 0, loss: n ? loss / n : 0, perClass, confusion, mostConfused: pairs.slice(0, topPairs) };
}

export interface TopK {
  className: string;
  index: number;
  probability: number;
}

export function topK(probs: ArrayLike<number>, classes: string[], k: number, offset = 0): TopK[] {
  const idx = classes.map((_, i) => i);
  idx.sort((a, b) => probs[offset + b] - probs[offset + a]);
  return idx.slice(0, Math.min(k, classes.length)).map((i) => ({ className: classes[i], index: i, probability: probs[offset + i] }));
}
