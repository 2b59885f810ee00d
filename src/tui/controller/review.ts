/**
 * The dataset review in the workbench: run it (alt+r), then go through the suspects one at a time.
 * Accepting a suggestion moves the picture into the suggested class's folder (core/review/relabel)
 * and re-reads the dataset, so the next training (alt+t) uses the new label; x excludes it (the file
 * stays; the dataset reader leaves it out); u undoes the latest. The decisions are journaled in the
 * dataset folder (core/review/journal), so u works after a restart too.
 */
import path from 'node:path';
import { REVIEW_EPOCHS, REVIEW_LEARNING_RATE, type ReviewResult } from '../../core/review/run.js';
import type { SimilarPicture } from '../../core/review/similar.js';
import type { ReviewView } from '../state/review-view.js';
import { errorText } from './base.js';
import { NeighboursController } from './neighbours.js';

/** The suspect after a decided one, unless the user already moved on while the decision was written. */
const nextPos = (v: ReviewView, index: number) => (v.pos === index ? Math.min(v.suspects.length - 1, index + 1) : v.pos);

/** Suspects the model prefers another label for; at least a few, so the pane is never empty. */
const MIN_SHOWN = 5;

export class ReviewController extends NeighboursController {
  review(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const head = this.headOptions({ epochs: REVIEW_EPOCHS, learningRate: REVIEW_LEARNING_RATE });
    this.store.log('phase', `review: cross-validating ${ds.items.length} pictures of ${ds.root}`);
    return this.runTask('review', async () => {
      const session = this.session!;
      session.resetStop();
      const t0 = Date.now();
      const res = await session.review({ dataset: ds, head });
      const doubted = res.suspects.filter((s) => s.score > 0);
      const shown = (doubted.length >= MIN_SHOWN ? doubted : res.suspects.slice(0, MIN_SHOWN)).map((s) => ({
        file: s.file,
        label: s.label,
        suggested: s.suggested,
        score: s.score,
        row: s.row,
      }));
      this.lastReview = res;
      this.keepNeighbourIndex(ds, res); // the Dataset pane's n needs no second pass over the embeddings
      this.nearest = (await import('../../core/review/cosine.js')).nearestRows;
      const journal = (await this.readMoves(ds.root)).map((m) => ({ ...m, index: shown.findIndex((x) => x.file === decidedFile(m)) }));
      const view: ReviewView = {
        root: ds.root,
        pictures: res.items.length,
        folds: res.folds,
        accuracy: res.accuracy,
        suspects: shown,
        duplicates: res.duplicates.length,
        leaks: res.duplicates.filter((d) => d.leak).length,
        pos: 0,
        journal,
        seconds: (Date.now() - t0) / 1000,
      };
      this.store.update((s) => ({ ...s, review: view }));
      this.store.log(
        'ok',
        `review: ${doubted.length} of ${res.items.length} pictures look mislabelled, ${res.duplicates.length} duplicate pairs (${view.leaks} across splits) — the Review pane goes through them`,
      );
    });
  }

  /** the last review's similarity index (kept here, not in the store: it is big and never drawn) */
  private lastReview: ReviewResult | undefined;
  private nearest: typeof import('../../core/review/cosine.js').nearestRows | undefined;

  /** The nearest pictures to suspect i of its own class and of the suggested one (where they are now on disk). */
  reviewNeighbours(i: number): { label?: SimilarPicture; suggested?: SimilarPicture } {
    const r = this.s.review;
    const res = this.lastReview;
    const cur = r?.suspects[i];
    if (!r || !cur || !res || !this.nearest) return {};
    const { unit, dim } = res.index;
    const q = unit.subarray(cur.row * dim, (cur.row + 1) * dim);
    const moved = new Map(r.journal.flatMap((m) => (m.kind === 'move' ? [[m.from, m.to] as const] : [])));
    const nearestOf = (cls: string): SimilarPicture | undefined => {
      const c = res.classes.indexOf(cls);
      const nb = this.nearest!(unit, dim, q, 1, (row) => row === cur.row || res.items[row].label !== c)[0];
      if (!nb) return undefined;
      const it = res.items[nb.row];
      return { file: moved.get(it.file) ?? it.file, label: cls, split: it.split, distance: Math.max(0, nb.distance) };
    };
    return { label: nearestOf(cur.label), suggested: nearestOf(cur.suggested) };
  }

  private setReview(fn: (r: ReviewView) => ReviewView): void {
    this.store.update((s) => (s.review ? { ...s, review: fn(s.review) } : s));
  }

  /** Next (+1) or previous (-1) suspect. */
  reviewStep(delta: number): void {
    this.setReview((r) => ({ ...r, pos: Math.max(0, Math.min(r.suspects.length - 1, r.pos + delta)) }));
  }

  /** Keep the label as it is and go on. */
  reviewKeep(): void {
    this.setReview((r) => ({
      ...r,
      // an accepted or excluded one stays so (u undoes it): s only goes on
      suspects: r.suspects.map((x, i) => (i === r.pos && !x.decision ? { ...x, decision: 'kept' } : x)),
      pos: Math.min(r.suspects.length - 1, r.pos + 1),
    }));
  }

  /** Move the shown picture into the suggested class's folder, or into `into` (p: a label picked by hand). */
  reviewAccept(into?: string): Promise<void> {
    const at = this.claimSuspect();
    return this.changingDataset(() => this.acceptAt(at, into));
  }

  private async acceptAt(index: number, into?: string): Promise<void> {
    const r = this.s.review;
    const cur = r?.suspects[index];
    if (!r || !cur) return;
    if (cur.decision === 'accepted') return this.store.flash(`accept: already moved to ${cur.movedTo ?? cur.suggested} (u undoes it)`, 'warn');
    if (cur.decision === 'excluded') return this.store.flash('accept: it is excluded from the dataset (u undoes that first)', 'warn');
    const target = into ?? cur.suggested;
    if (target === cur.label) return this.store.flash(`move: it is already labelled ${target}`, 'warn');
    const { moveFile, relabelTarget } = await import('../../core/review/relabel.js');
    const to = relabelTarget(cur.file, cur.label, target);
    if (!to)
      return this.store.flash(
        `accept: no folder names the class ${cur.label} here (the label is in the file name): rename ${path.basename(cur.file)} by hand`,
        'warn',
      );
    try {
      await moveFile(cur.file, to);
    } catch (e) {
      return this.store.flash(`accept: ${errorText(e)}`, 'error');
    }
    this.setReview((v) => ({
      ...v,
      suspects: v.suspects.map((x, i) => (i === index ? { ...x, file: to, decision: 'accepted', movedTo: target } : x)),
      journal: [...v.journal, { kind: 'move' as const, index, from: cur.file, to, label: cur.label, suggested: cur.suggested }],
    }));
    await this.saveMoves(r.root);
    this.store.log('ok', `review: ${path.relative(r.root, cur.file)} → ${path.relative(r.root, to)} (u undoes it)`);
    await this.rescan(r.root);
  }

  /**
   * Leave the shown picture out of the dataset: its file stays where it is, the journal says it is
   * excluded and every reader of the dataset (train, eval, data info, this workbench) leaves it out.
   */
  reviewExclude(): Promise<void> {
    const at = this.claimSuspect();
    return this.changingDataset(() => this.excludeAt(at));
  }

  private async excludeAt(index: number): Promise<void> {
    const r = this.s.review;
    const cur = r?.suspects[index];
    if (!r || !cur) return;
    if (cur.decision === 'excluded') return this.store.flash('exclude: already excluded (u undoes it)', 'warn');
    if (cur.decision === 'accepted') return this.store.flash(`exclude: it was moved to ${cur.movedTo ?? cur.suggested} (u undoes that first)`, 'warn');
    // an exclusion lives only in the journal: with a damaged one it would be lost, so it is not made
    if (this.journalDamaged === r.root || !(await this.journalReadable(r.root))) return;
    this.setReview((v) => ({
      ...v,
      suspects: v.suspects.map((x, i) => (i === index ? { ...x, decision: 'excluded' } : x)),
      journal: [...v.journal, { kind: 'exclude' as const, index, file: cur.file, label: cur.label }],
    }));
    await this.saveMoves(r.root);
    this.store.log('ok', `review: ${path.relative(r.root, cur.file)} excluded — the file stays, the dataset leaves it out (u undoes it)`);
    await this.rescan(r.root);
  }

  /** Move the latest accepted picture back where it was (from the journal on disk when no review ran since a restart). */
  reviewUndo(): Promise<void> {
    return this.changingDataset(() => this.undoLatest());
  }

  private async undoLatest(): Promise<void> {
    const root = this.s.review?.root ?? this.s.dataset.root;
    if (!root) return this.store.flash('undo: no dataset open', 'warn');
    const journal = this.s.review?.journal ?? (await this.readMoves(root));
    const last = journal.at(-1);
    if (!last) return this.journalDamaged === root ? undefined : this.store.flash('undo: nothing to undo', 'warn');
    const { moveFile } = await import('../../core/review/relabel.js');
    try {
      if (last.kind === 'move') await moveFile(last.to, last.from);
    } catch (e) {
      return this.store.flash(`undo: ${errorText(e)}`, 'error');
    }
    const at = this.s.review?.suspects.findIndex((x) => x.file === decidedFile(last)) ?? -1;
    const back = last.kind === 'move' ? last.from : last.file;
    this.setReview((v) => ({
      ...v,
      suspects: v.suspects.map((x, i) => (i === at ? { ...x, file: back, decision: undefined, movedTo: undefined } : x)),
      journal: v.journal.slice(0, -1),
      pos: at >= 0 ? at : v.pos,
    }));
    if (this.s.review) await this.saveMoves(root);
    else {
      const { writeDecisions } = await import('../../core/review/journal.js');
      await writeDecisions(root, journal.slice(0, -1)).catch((e) => this.store.log('warn', `review journal: ${errorText(e)}`));
    }
    const said = `undone: ${path.relative(root, back)} is back ${last.kind === 'move' ? `in ${last.label}` : 'in the dataset'}`;
    this.store.log('ok', `review: ${said}`);
    this.store.flash(said);
    await this.rescan(root);
  }

  /** The journal of moves in the dataset folder; a damaged one is said (and treated as empty here, never overwritten silently). */
  /** journal entries of a dataset folder already counted by a training (this run of the workbench) */
  private trainedJournal = new Map<string, number>();

  /**
   * The suspect a decision key is for. The pane moves on at once, before the decision is written, so
   * that a key sent with it ("a x" together) is for the next suspect, as it would be typed slowly.
   */
  private claimSuspect(): number {
    const at = this.s.review?.pos ?? -1;
    if (at >= 0 && !this.s.review?.suspects[at]?.decision) this.setReview((v) => ({ ...v, pos: nextPos(v, at) }));
    return at;
  }

  private changes: Promise<void> = Promise.resolve();
  private pendingChanges = 0;

  /**
   * A decision's writes and re-read of the dataset, one after another in key order; meanwhile the keys
   * that read the dataset (alt+t, alt+e...) wait for it (the router queues them) rather than train on
   * the dataset as it was before the decision.
   */
  private changingDataset(work: () => Promise<void>): Promise<void> {
    if (this.pendingChanges++ === 0) this.store.update((s) => ({ ...s, datasetChanging: true }));
    const done = () => {
      if (--this.pendingChanges === 0) this.store.update((s) => ({ ...s, datasetChanging: undefined }));
    };
    this.changes = this.changes.then(work).then(done, (e) => {
      done();
      this.store.flash(`review: ${errorText(e)}`, 'error');
    });
    return this.changes;
  }

  /** alt+t after corrections: the log says what the review changed, then the head retrains (cached embeddings). */
  override async train(): Promise<void> {
    const root = this.s.dataset.ds?.root;
    if (root && !this.s.task) {
      const journal = this.s.review?.root === root ? this.s.review.journal : await this.readMoves(root);
      const since = this.trainedJournal.get(root);
      const fresh = journal.slice(since ?? 0);
      this.trainedJournal.set(root, journal.length);
      const moved = fresh.filter((d) => d.kind === 'move').length;
      const excluded = fresh.filter((d) => d.kind === 'exclude').length;
      if (moved || excluded || (since !== undefined && journal.length < since))
        this.store.log(
          'info',
          journal.length < (since ?? 0)
            ? 'review: decisions were undone since the last training'
            : `review: ${moved} label${moved === 1 ? '' : 's'} changed, ${excluded} excluded ${since === undefined ? 'by the review journal (.petlab-review.json)' : 'since the last training'}`,
        );
    }
    return super.train();
  }

  private async readMoves(root: string): Promise<ReviewView['journal']> {
    const { readDecisions } = await import('../../core/review/journal.js');
    try {
      const moves = await readDecisions(root);
      if (this.journalDamaged === root) this.journalDamaged = undefined;
      return moves;
    } catch (e) {
      this.journalDamaged = root;
      this.store.log('warn', `review: ${errorText(e)}`);
      this.store.flash(`review: ${errorText(e)}`, 'error');
      return [];
    }
  }

  private journalDamaged: string | undefined;

  /** false (and said) when the journal on disk is damaged */
  private async journalReadable(root: string): Promise<boolean> {
    await this.readMoves(root);
    return this.journalDamaged !== root;
  }

  private async saveMoves(root: string): Promise<void> {
    if (this.journalDamaged === root) return this.store.log('warn', 'review: the damaged journal is left as it is; these moves are not journaled');
    const { writeDecisions } = await import('../../core/review/journal.js');
    await writeDecisions(root, this.s.review?.journal ?? []).catch((e) => this.store.log('warn', `review journal: ${errorText(e)}`));
  }

  /** The dataset as it is on disk now (the labels the next training uses). */
  private async rescan(root: string): Promise<void> {
    if (this.s.dataset.root === root) await this.openDataset(root);
  }
}

/** The file a decision is about, where it is now. */
function decidedFile(d: ReviewView['journal'][number]): string {
  return d.kind === 'move' ? d.to : d.file;
}
