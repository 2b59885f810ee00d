/**
 * The fake core's nearest-picture index (FakeSession.neighbourIndex): embeddings made up from the
 * labels, each class along its own axis, so neighbours are of the same class, except for the
 * planted picture: the second picture of the first class looks like the second class.
 */
import type { Dataset } from '../../src/core/data/types.js';
import type { EventSink } from '../../src/core/events.js';
import { normaliseRows } from '../../src/core/review/cosine.js';
import type { NeighbourIndex } from '../../src/core/review/neighbour-index.js';

export const FAKE_NEIGHBOUR_DIM = 4;

export async function fakeNeighbourIndex(ds: Dataset, onEvent: EventSink, held?: Promise<void>): Promise<NeighbourIndex> {
  const n = ds.items.length;
  onEvent({ type: 'phase', phase: 'embed', message: `embedding ${n} images with fakenet` });
  onEvent({ type: 'progress', phase: 'embed', done: Math.floor(n / 2), total: n, unit: 'images', rate: 42, etaSeconds: 1, detail: '' });
  await held;
  const dim = FAKE_NEIGHBOUR_DIM;
  const x = new Float32Array(n * dim);
  const seen = new Map<number, number>();
  ds.items.forEach((it, i) => {
    const j = seen.get(it.label) ?? 0;
    seen.set(it.label, j + 1);
    const planted = it.label === 0 && j === 1;
    x.set([planted ? 0.2 : it.label === 0 ? 1 : 0, planted || it.label === 1 ? 1 : 0, 0.1 * (j % 4), 0.05 * j], i * dim);
  });
  return { classes: ds.classes, items: ds.items, index: { unit: normaliseRows(x, dim), dim }, skipped: [], cacheHits: n };
}
