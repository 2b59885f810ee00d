/**
 * The Pairs pane's work: mark the selected picture as A, the next selection is B, and the pairs
 * (siamese) model says whether both show the same class. The model is trained on the open dataset
 * (alt+w, or "pairs-train" at the prompt) into <petlab's data folder>/pairs/<data>-<backbone>.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PairsPick, PairsView } from '../state/pairs-view.js';
import { ReviewController } from './review.js';

const pct = (p: number) => `${Math.round(p * 100)}%`;

export class PairsController extends ReviewController {
  /** Where the pairs model of the open dataset and backbone is saved. */
  pairsDir(): string {
    const root = this.s.dataset.ds?.root ?? this.s.dataset.root ?? 'data';
    return path.join(this.dataDir, 'pairs', `${path.basename(root)}-${this.s.backbone.view?.name ?? this.opts.backbone}`);
  }

  private setPairs(fn: (p: PairsView) => PairsView): void {
    this.store.update((s) => ({ ...s, pairs: fn(s.pairs ?? {}) }));
  }

  /** Is there a pairs model on disk for this dataset (one saved in an earlier run counts)? */
  pairsRefresh(): void {
    const dir = this.pairsDir();
    const model = existsSync(path.join(dir, 'petlab.json')) ? dir : undefined;
    if (this.s.pairs?.model !== model) this.setPairs((p) => ({ ...p, model }));
  }

  /** The picture selected in the Dataset pane becomes A; the next one selected is B. */
  pairsMark(): void {
    const sel = this.s.selection;
    if (!sel) return;
    this.pairsRefresh();
    this.setPairs((p) => ({ ...p, a: { ...sel }, b: undefined, verdict: undefined, error: undefined }));
    this.store.flash(`A: ${path.basename(sel.file)} — now select picture B in the Dataset pane`);
  }

  /** A new selection after A was marked: it is B, and the two are compared (when they can be). */
  pairsSelected(sel: PairsPick): void {
    const p = this.s.pairs;
    if (!p?.a || sel.file === p.a.file || sel.file === p.b?.file) return;
    this.setPairs((v) => ({ ...v, b: { ...sel }, verdict: undefined, error: undefined }));
    if (p.model && this.session && !this.s.task) void this.pairsCompare();
  }

  /** Same class or not, for A and B. */
  pairsCompare(): Promise<void> {
    const { a, b, model } = this.s.pairs ?? {};
    if (!a || !b || !model) return Promise.resolve();
    return this.runTask('pairs-compare', async () => {
      const session = this.need('pairs');
      if (!session.pairsCompare) throw new Error('this session has no pairs models');
      session.resetStop();
      try {
        const v = await session.pairsCompare(model, a.file, b.file);
        this.setPairs((p) => ({ ...p, verdict: { a: a.file, b: b.file, ...v }, error: undefined }));
        this.store.log('info', `pairs: ${path.basename(a.file)} / ${path.basename(b.file)}: ${v.same ? 'same' : 'different'}, P(same) ${pct(v.probability)}`);
      } catch (e) {
        this.setPairs((p) => ({ ...p, error: (e as Error)?.message ?? String(e) }));
        throw e;
      }
    });
  }

  /** Train the pairs head on every class of the open dataset, saved under the data folder. */
  pairsTrain(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const out = this.pairsDir();
    this.store.log('phase', `pairs train: ${ds.classes.length} classes from ${ds.root}; the pairs model will be saved to ${out}`);
    return this.runTask('pairs-train', async () => {
      const session = this.need('pairs train');
      if (!session.pairsTrain) throw new Error('this session cannot train pairs models');
      session.resetStop();
      const res = await session.pairsTrain({ dataset: ds, out, exclude: [] });
      if (res.stopped) return this.store.log('warn', 'pairs training stopped: nothing saved');
      this.setPairs((p) => ({ ...p, model: out, verdict: undefined }));
      const last = res.history.at(-1);
      this.store.log(
        'ok',
        `pairs model saved to ${out}: ${res.images} pictures of ${res.classes.length} classes${last ? `, training pair accuracy ${pct(last.acc)}` : ''}`,
      );
    }).then(() => {
      // the pictures already picked get their verdict from the new model
      const p = this.s.pairs;
      if (p?.model === out && p.a && p.b && !this.s.task) return this.pairsCompare();
    });
  }
}
