/** Training a head, the learning-rate finder, and where models are saved. */
import path from 'node:path';
import { errorText, nextModelId } from './base.js';
import { describeFlags } from './train-flags.js';
import { datasetReason } from '../actions/reasons.js';
import { InspectController } from './inspect.js';
import { itemsOf } from '../../core/data/scan.js';
import { fineTuneAdvice } from '../../core/train/fine-tune-advice.js';
import { replacedRunNoteSync } from '../../core/model/run-folder.js';

export class TrainingController extends InspectController {
  /**
   * Where training writes: --out from the prompt (alt+d), else <petlab's data folder>/models/<data>-<backbone>
   * (never the current folder, which a workbench started anywhere would litter).
   */
  outDir(): string {
    const ds = this.s.dataset.ds;
    const out = this.s.trainFlags.out;
    if (out) return path.resolve(out);
    return path.join(this.dataDir, 'models', `${path.basename(ds?.root ?? 'data')}-${this.s.backbone.view?.name ?? this.opts.backbone}`);
  }

  /** A training flag typed at the prompt (alt+d) as a number, else the default. */
  protected flagNum(name: string, fallback: number): number {
    const v = this.s.trainFlags[name];
    return v !== undefined ? Number(v) : fallback;
  }

  /** A head's training options: the prompt's flags over the settings; epochs and lr default as the caller says. */
  protected headOptions(defaults: { epochs: number; learningRate: number }) {
    const st = this.opts.settings;
    return {
      epochs: this.flagNum('epochs', defaults.epochs),
      learningRate: this.flagNum('lr', defaults.learningRate),
      batchSize: this.flagNum('batch', st.batchSize),
      hiddenUnits: this.flagNum('hidden', st.hiddenUnits),
      dropout: this.flagNum('dropout', st.dropout),
      weightDecay: 0.01,
      labelSmoothing: 0,
      schedule: 'one-cycle' as const,
      seed: this.flagNum('seed', st.seed),
    };
  }

  train(): Promise<void> {
    const ds = this.s.dataset.ds;
    // the dataset is re-read (a decision, new flags) between the key and here: say so, never throw
    if (!ds) return Promise.resolve(this.store.flash(datasetReason(this.s, 'train') ?? 'train: the dataset is being read…', 'warn'));
    const f = this.s.trainFlags;
    const st = this.opts.settings;
    const head = { ...this.headOptions({ epochs: st.epochs, learningRate: st.learningRate }), flip: st.flip };
    const out = this.outDir();
    // a new head is written over the model folder: a stopped fine-tuning there can no longer resume
    this.store.update((s) => ({ ...s, epochs: [], epochsPlanned: head.epochs, batch: undefined, evaluation: undefined, fineTuneStopped: undefined }));
    // where the model goes, before anything is written ("out DIR" at alt+d chooses another folder)
    this.store.log(
      'phase',
      `train: ${ds.classes.length} classes from ${ds.root}; the model will be saved to ${out}${Object.keys(f).length ? `  (${describeFlags(f)})` : ''}`,
    );
    const replaced = replacedRunNoteSync(out);
    if (replaced) this.store.log('warn', replaced);
    return this.runTask('train', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.trainHead({ dataset: ds, head, out, extraMeta: { cacheDir: this.opts.cacheDir, from: 'workbench' } });
      if (res.stopped) {
        if (res.checkpointDir && res.history.length) {
          this.store.log(
            'warn',
            `stopped after epoch ${res.history.length} of ${head.epochs}: ${out} still holds its previous complete model; \`petlab train --out ${out} --resume\` finishes this run`,
          );
          // the stopped head is in the session: the model in out again, as the log says
          await this.loadModelNow(out).catch((e) => this.store.log('warn', `could not reload ${out}: ${errorText(e)}`));
        } else if (res.history.length) {
          this.store.log('warn', `stopped after epoch ${res.history.length}: the model of that epoch is kept in ${out}`);
          // the checkpoint of the last finished epoch is a usable model
          await this.loadModelNow(out).then(
            () => this.rememberModel(out, this.s.model?.accuracy),
            (e) => this.store.log('warn', `could not load the checkpoint: ${errorText(e)}`),
          );
        } else this.store.log('warn', 'stopped before the first epoch finished: nothing saved');
        return;
      }
      const m = res.metrics;
      this.store.update((s) => ({
        ...s,
        model: { id: nextModelId(), dir: out, classes: ds.classes, accuracy: m?.accuracy, epochsDone: res.history.length, hiddenUnits: head.hiddenUnits },
        ...(m ? { evaluation: { split: 'val', metrics: m } } : {}),
      }));
      await this.rememberModel(out, m?.accuracy);
      this.store.log(
        'ok',
        `trained${m ? `: val accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n})` : ''} in ${Math.round((Date.now() - (this.s.task?.startedAt ?? Date.now())) / 100) / 10}s, saved to ${out}`,
      );
      if (res.embed.failed) this.store.log('warn', `${res.embed.failed} image${res.embed.failed > 1 ? 's' : ''} could not be read`);
      this.suggestFineTuning(res.embed, m?.accuracy);
    });
  }

  /** After a frozen training: fine-tuning, where it was measured to pay, and its cost here (core/train/fine-tune-advice.ts). */
  private suggestFineTuning(embed: { computed: number; imagesPerSecond: number }, accuracy: number | undefined): void {
    const ds = this.s.dataset.ds!;
    const u = this.s.unfreeze;
    const views = this.s.trainFlags.views;
    const advice = fineTuneAdvice({
      classes: ds.classes.length,
      accuracy,
      trainImages: itemsOf(ds, 'train').length,
      valImages: itemsOf(ds, 'val').length,
      epochs: this.s.fineTuneEpochs,
      views: views !== undefined ? Number(views) : this.opts.settings.fineTune.views,
      embedRate: embed.computed ? embed.imagesPerSecond : undefined,
      unfreeze: u.plan ? `${u.plan.blocks}/${u.plan.totalBlocks} blocks` : u.spec,
    });
    if (!advice) return;
    this.store.log('info', advice.why);
    this.store.log('info', advice.cost);
  }

  /** The learning-rate range test: loss against a growing rate on the training split. */
  lrFind(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const st = this.opts.settings;
    this.store.log('phase', `lr-find: ${ds.classes.length} classes from ${ds.root}`);
    this.store.update((s) => ({ ...s, lrFind: undefined }));
    return this.runTask('lr-find', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.lrFind({
        dataset: ds,
        hiddenUnits: this.flagNum('hidden', st.hiddenUnits),
        batchSize: this.flagNum('batch', st.batchSize),
        seed: this.flagNum('seed', st.seed),
        steps: 200,
        startLr: 1e-7,
        endLr: 10,
      });
      this.store.update((s) => ({ ...s, lrFind: res }));
      this.store.log(
        'ok',
        `lr-find: suggested learning rate ${res.suggestion.toExponential(1)} (minimum/10: ${res.minOver10.toExponential(1)}) — a in the LR finder pane uses it`,
      );
    });
  }

  /** The suggested rate of the last lr-find becomes --lr of the next training. */
  applyLrSuggestion(): void {
    const r = this.s.lrFind;
    if (!r) return;
    const lr = String(Number(r.suggestion.toPrecision(2)));
    this.store.update((s) => ({ ...s, trainFlags: { ...s.trainFlags, lr }, lrFind: s.lrFind && { ...s.lrFind, applied: true } }));
    this.store.log('info', `next training: ${describeFlags(this.s.trainFlags)}`);
    this.store.flash(`--lr ${lr} set for the next training (alt+t)`);
  }
}
