/**
 * Pictures whose label the model doubts, from out-of-fold probabilities (each picture judged by a
 * head that never saw it). Ranked by margin, confident-learning style: how much more the model
 * believes the best other class than the label the picture has.
 */

export interface Suspect {
  /** row in the probabilities (the caller maps it to a file) */
  row: number;
  label: number;
  /** the most likely class other than the label */
  suggested: number;
  /** p(suggested) - p(label), in [-1, 1]: above 0 the model prefers the suggestion */
  score: number;
  /** cross-entropy of the label, -ln p(label) */
  loss: number;
}

/** Every row, most suspicious first (ties: higher loss, then row order). */
export function rankSuspects(probs: Float32Array, labels: ArrayLike<number>, numClasses: number): Suspect[] {
  const out: Suspect[] = [];
  for (let r = 0; r < labels.length; r++) {
    const base = r * numClasses;
    const label = labels[r];
    let suggested = -1;
    for (let c = 0; c < numClasses; c++) if (c !== label && (suggested < 0 || probs[base + c] > probs[base + suggested])) suggested = c;
    const pl = probs[base + label];
    out.push({ row: r, label, suggested, score: (suggested < 0 ? 0 : probs[base + suggested]) - pl, loss: -Math.log(Math.max(pl, 1e-12)) });
  }
  return out.sort((a, b) => b.score - a.score || b.loss - a.loss || a.row - b.row);
}
