/**
 * The learning-rate range test as both front ends run it: the training split's (cached)
 * embeddings, then the sweep on a fresh head in the main worker (train/lr-find.ts).
 */
import type { Dataset } from './data/types.js';
import { gatherRows } from './embed/rows.js';
import { PetlabError } from './errors.js';
import type { Session } from './session.js';
import type { LrFindResult } from './train/lr-find.js';
import { count } from '../text/plural.js';

export interface LrFindRequest {
  dataset: Dataset;
  hiddenUnits: number;
  batchSize: number;
  seed: number;
  steps: number;
  startLr: number;
  endLr: number;
}

export async function runLrFind(session: Session, req: LrFindRequest): Promise<LrFindResult> {
  const items = req.dataset.items.filter((i) => i.split === 'train');
  const emb = await session.embed(items.map((i) => i.file));
  const rows = items.map((_, i) => i).filter((i) => emb.ok[i]);
  // one image makes every batch the same picture: the curve would say nothing
  if (rows.length < 2)
    throw new PetlabError(`lr-find needs at least 2 readable training images, ${req.dataset.root} has ${rows.length}`, {
      hint: items.length > rows.length ? 'the others could not be read; see the warnings above' : 'add pictures to the training split',
    });
  session.opts.onEvent?.({
    type: 'phase',
    phase: 'lr-find',
    message: `sweeping the learning rate from ${req.startLr} to ${req.endLr} on ${count(rows.length, 'image')}`,
  });
  const call = session.pool.main.call(
    'lrFind',
    {
      train: { x: gatherRows(emb.vectors, emb.dim, rows), y: Int32Array.from(rows.map((r) => items[r].label)), dim: emb.dim },
      options: {
        numClasses: req.dataset.classes.length,
        hiddenUnits: req.hiddenUnits,
        batchSize: req.batchSize,
        startLr: req.startLr,
        endLr: req.endLr,
        steps: req.steps,
        seed: req.seed,
      },
    },
    { onEvent: session.opts.onEvent },
  );
  session.trackCall(call);
  return call;
}
