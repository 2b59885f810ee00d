/**
 * The similar-picture index of a dataset without a review: the (cached) embeddings of every
 * picture, unit length, and the k nearest pictures to one of them (the workbench's Dataset pane n).
 * A review's result is such an index too (ReviewResult has the same fields).
 */
import type { Dataset, DatasetItem } from '../data/types.js';
import { PetlabError } from '../errors.js';
import type { Session } from '../session.js';
import { normaliseRows } from './cosine.js';
import { embedAll } from './run.js';
import { similarInIndex, type SimilarPicture } from './similar.js';

export interface NeighbourIndex {
  classes: string[];
  /** the readable pictures, in row order of the index */
  items: DatasetItem[];
  index: { unit: Float32Array; dim: number };
  skipped: { file: string; reason: string }[];
  cacheHits: number;
}

/** Embed every picture of the dataset (from the cache where it has them) and normalise the rows once. */
export async function buildNeighbourIndex(session: Session, ds: Dataset): Promise<NeighbourIndex> {
  const all = await embedAll(session, ds);
  if (session.stopRequested) throw new PetlabError('neighbours stopped', { hint: 'embeddings computed so far are cached' });
  return {
    classes: ds.classes,
    items: all.items,
    index: { unit: normaliseRows(all.x, all.dim), dim: all.dim },
    skipped: all.skipped,
    cacheHits: all.cacheHits,
  };
}

/** The k pictures nearest to one of the index's own (it is left out), nearest first; undefined when the file is not in the index. */
export function neighboursOf(ix: Pick<NeighbourIndex, 'classes' | 'items' | 'index'>, file: string, k: number): SimilarPicture[] | undefined {
  const row = ix.items.findIndex((it) => it.file === file);
  if (row < 0) return undefined;
  const { unit, dim } = ix.index;
  return similarInIndex(ix.index, ix.items, ix.classes, unit.subarray(row * dim, (row + 1) * dim), k, row);
}
