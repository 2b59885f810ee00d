/**
 * Cosine similarity on embeddings in plain typed arrays: rows normalised once, then one query
 * against every row is a single pass (7,390 x 1,280 floats take a few milliseconds).
 */

/** A copy of n rows of dim floats, each scaled to unit length (all-zero rows stay zero). */
export function normaliseRows(x: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let s = 0; s < x.length; s += dim) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += x[s + j] * x[s + j];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j++) out[s + j] = x[s + j] * inv;
  }
  return out;
}

export interface Neighbour {
  row: number;
  /** cosine distance, 1 - cosine similarity */
  distance: number;
}

/** The k rows of unit (n x dim) nearest to the unit vector q, nearest first; skip excludes rows. */
export function nearestRows(unit: Float32Array, dim: number, q: Float32Array, k: number, skip: (row: number) => boolean = () => false): Neighbour[] {
  const n = unit.length / dim;
  const best: Neighbour[] = [];
  for (let r = 0; r < n; r++) {
    if (skip(r)) continue;
    let dot = 0;
    const s = r * dim;
    for (let j = 0; j < dim; j++) dot += unit[s + j] * q[j];
    const d = 1 - dot;
    if (best.length < k || d < best[best.length - 1].distance) {
      let i = best.length < k ? best.length : k - 1;
      if (best.length < k) best.push({ row: r, distance: d });
      while (i > 0 && best[i - 1].distance > d) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = { row: r, distance: d };
    }
  }
  return best;
}
