/**
 * The pictures of a dataset nearest to a given one (in it or not), by cosine on the embeddings.
 */
import path from 'node:path';
import type { Dataset, DatasetItem, SplitName } from '../data/types.js';
import { gatherRows } from '../embed/rows.js';
import { PetlabError } from '../errors.js';
import type { Session } from '../session.js';
import { nearestRows, normaliseRows } from './cosine.js';

export interface SimilarPicture {
  file: string;
  label: string;
  split: SplitName;
  distance: number;
}

export interface SimilarRequest {
  dataset: Dataset;
  /** a picture file, in the dataset or not */
  image: string;
  k: number;
}

/** Nearest items of a unit-row index to the unit vector q, the query's own row left out. */
export function similarInIndex(
  index: { unit: Float32Array; dim: number },
  items: DatasetItem[],
  classes: string[],
  q: Float32Array,
  k: number,
  selfRow = -1,
): SimilarPicture[] {
  return nearestRows(index.unit, index.dim, q, k, (r) => r === selfRow).map((nb) => ({
    file: items[nb.row].file,
    label: classes[items[nb.row].label],
    split: items[nb.row].split,
    distance: Math.max(0, nb.distance),
  }));
}

export async function runSimilar(session: Session, req: SimilarRequest): Promise<{ query: string; neighbours: SimilarPicture[] }> {
  const ds = req.dataset;
  const query = path.resolve(req.image);
  const emb = await session.embed([...ds.items.map((i) => i.file), query]);
  const n = ds.items.length;
  if (!emb.ok[n])
    throw new PetlabError(`cannot read ${req.image}: ${emb.failures.find((f) => f.file === query)?.reason ?? 'not a picture'}`, {
      hint: 'give a JPEG, PNG, GIF or BMP picture',
    });
  const rows = ds.items.map((_, i) => i).filter((i) => emb.ok[i]);
  const items = rows.map((r) => ds.items[r]);
  const unit = normaliseRows(gatherRows(emb.vectors, emb.dim, rows), emb.dim);
  const q = normaliseRows(emb.vectors.subarray(n * emb.dim, (n + 1) * emb.dim), emb.dim);
  const self = items.findIndex((i) => path.resolve(i.file) === query);
  return { query, neighbours: similarInIndex({ unit, dim: emb.dim }, items, ds.classes, q, req.k, self) };
}
