/**
 * The Dataset pane's n: the pictures nearest to the selected one, by cosine on the embeddings.
 * The core builds the index (every picture's embedding, read from petlab's embedding cache where
 * it has them) once per dataset, as a task whose progress the Training log shows; after that n is
 * instant until the dataset is read again. A review (alt+r) leaves its index here too.
 */
import path from 'node:path';
import type { Dataset } from '../../core/data/types.js';
import type { NeighbourIndex } from '../../core/review/neighbour-index.js';
import { errorText } from './base.js';
import { TrainingController } from './training.js';

/** Nearest pictures found per query: the pane shows as many as fit, j/k go through all of them. */
export const NEIGHBOURS_K = 12;

type Index = Pick<NeighbourIndex, 'classes' | 'items' | 'index'>;

export class NeighboursController extends TrainingController {
  /** kept here, not in the store: it is big and never drawn (the store only says which dataset it is for) */
  private neighbourIx: { ds: Dataset; ix: Index } | undefined;

  /** Keep an index for the dataset it was built on (the Dataset pane's n reads it). */
  protected keepNeighbourIndex(ds: Dataset, ix: Index): void {
    this.neighbourIx = { ds, ix };
    this.store.update((s) => ({ ...s, neighbourIndex: { ds, pictures: ix.items.length } }));
  }

  /** The nearest pictures to a picture of the open dataset: at once from its index, else once the core has built it. */
  async showNeighbours(file: string, label: string): Promise<void> {
    const ds = this.s.dataset.ds;
    if (!ds) return;
    this.store.update((s) => ({ ...s, neighbours: { file, label } }));
    if (this.neighbourIx?.ds === ds) return this.answer(file);
    // a second n while the index is built: it answers the picture asked about last
    if (this.s.task?.kind === 'neighbours') return;
    const session = this.session;
    if (!session) return;
    return this.runTask('neighbours', async () => {
      session.resetStop();
      this.store.log('phase', `neighbours: embedding the ${ds.items.length} pictures of ${ds.root} (petlab's cache has the ones it saw before)`);
      const t0 = Date.now();
      try {
        const ix = await session.neighbourIndex(ds);
        this.keepNeighbourIndex(ds, ix);
        this.store.log(
          'ok',
          `neighbours: ${ix.items.length} pictures indexed in ${((Date.now() - t0) / 1000).toFixed(1)} s (${ix.cacheHits} from the cache) — n is instant now`,
        );
      } catch (e) {
        this.store.update((s) => (s.neighbours ? { ...s, neighbours: { ...s.neighbours, error: errorText(e) } } : s));
        throw e;
      }
      const asked = this.s.neighbours;
      if (asked) await this.answer(asked.file);
    });
  }

  private async answer(file: string): Promise<void> {
    const { neighboursOf } = await import('../../core/review/neighbour-index.js');
    const list = neighboursOf(this.neighbourIx!.ix, file, NEIGHBOURS_K);
    const error = list ? undefined : `${path.basename(file)} could not be read, so it has no embedding (see the Training log)`;
    this.store.update((s) => (s.neighbours?.file === file ? { ...s, neighbours: { ...s.neighbours, list, error } } : s));
  }
}
