/**
 * The workbench's conductor, the one object the panes and the actions call. Built by concern:
 * base.ts (session, tasks, loading), data.ts, inspect.ts, training.ts, review.ts, pairs.ts, and here fine-tuning.
 */
import path from 'node:path';
import { parseUnfreeze, type UnfreezeSpec } from '../../core/backbones/segments.js';
import { backboneView, describeUnfreeze, errorText, nextModelId, unfreezeText } from './base.js';
import type { ExportFormat } from '../../core/export/describe.js';
import { PairsController } from './pairs.js';
import { replacedRunNoteSync } from '../../core/model/run-folder.js';

export { describeUnfreeze, errorText, unfreezeText, type ControllerDeps, type WorkbenchOptions } from './base.js';

export class WorkbenchController extends PairsController {
  // ---- fine-tuning: the unfreeze setting, the fine-tune phase, lr-find ----

  /** Set what fine-tuning unfreezes ("3" blocks, "30%", "all", "0"); the Model stack shows it. */
  async setUnfreeze(text: string): Promise<boolean> {
    let spec: UnfreezeSpec;
    try {
      spec = parseUnfreeze(text.trim());
    } catch (e) {
      const pctBad = /%$/.test(text.trim()) && /percentage/.test(errorText(e));
      this.store.flash(pctBad ? 'unfreeze: a percentage must be in (0, 100]' : `unfreeze: "${text.trim()}"? give 3 (blocks), 30% or all`, 'error');
      return false;
    }
    const t = unfreezeText(spec);
    this.store.update((s) => ({ ...s, unfreeze: { ...s.unfreeze, spec: t, error: undefined } }));
    await this.refreshUnfreeze();
    const u = this.s.unfreeze;
    if (u.plan && u.spec === t) this.store.log('info', `fine-tuning will unfreeze ${describeUnfreeze(u)}`);
    return true;
  }

  /** One block more (+1) or fewer (-1) to unfreeze. */
  stepUnfreeze(delta: number): Promise<boolean> {
    const plan = this.s.unfreeze.plan;
    const total = plan?.totalBlocks ?? Infinity;
    const n = Math.max(0, Math.min(total, (plan?.blocks ?? 0) + delta));
    return this.setUnfreeze(plan && n === total ? 'all' : String(n));
  }

  /** "fine-tune E": the next fine-tuning runs E epochs, from the start (a stopped one is not resumed). */
  setFineTuneEpochs(n: number): void {
    this.store.update((s) => ({ ...s, fineTuneEpochs: n, fineTuneStopped: undefined }));
  }

  /**
   * The fine-tuning phase on the trained model: the top of the backbone and the head train together.
   * After alt+s stopped one, it continues from that checkpoint (schedule, optimizer and all, like
   * `petlab train --resume`) as long as the model and the unfreeze setting are the same.
   */
  fineTune(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const model = this.s.model!;
    const stopped = this.s.fineTuneStopped;
    const resume = stopped !== undefined && stopped.dir === model.dir && stopped.unfreeze === this.s.unfreeze.spec && stopped.done < stopped.epochs;
    const epochs = resume ? stopped.epochs : this.s.fineTuneEpochs;
    const st = this.opts.settings;
    const num = (k: string, d: number) => this.flagNum(k, d);
    const unfreeze = parseUnfreeze(this.s.unfreeze.spec);
    const seed = num('seed', st.seed);
    const options = {
      epochs,
      learningRate: num('ft-lr', st.fineTune.learningRate),
      lrFloor: num('lr-floor', st.fineTune.lrFloor),
      batchSize: num('ft-batch', st.fineTune.batchSize),
      microBatch: num('micro-batch', st.fineTune.microBatch),
      weightDecay: 0.01,
      labelSmoothing: 0,
      dropout: num('dropout', st.dropout),
      schedule: 'one-cycle' as const,
      seed,
      patience: num('early-stop', st.fineTune.patience),
      ema: num('ema', st.fineTune.ema),
    };
    const views = num('views', st.fineTune.views);
    // a resumed run keeps the epochs it already logged
    this.store.update((s) => ({
      ...s,
      fineTuneEpochs: epochs,
      fineTuneStopped: undefined,
      batch: undefined,
      evaluation: undefined,
      epochs: resume ? s.epochs : s.epochs.filter((e) => e.phase !== 'fine-tune'),
    }));
    this.store.log(
      'phase',
      resume
        ? `fine-tune: resuming at epoch ${stopped.done + 1} of ${epochs} from the checkpoint in ${model.dir}`
        : `fine-tune: ${epochs} epoch${epochs > 1 ? 's' : ''}, unfreezing ${describeUnfreeze(this.s.unfreeze)} of ${model.dir} (the fine-tuned model is saved there)`,
    );
    const replaced = resume ? undefined : replacedRunNoteSync(model.dir);
    if (replaced) this.store.log('warn', replaced);
    return this.runTask('fine-tune', async () => {
      const session = this.session!;
      session.resetStop();
      const res = await session.fineTune({ dataset: ds, out: model.dir, unfreeze, views, tta: st.fineTune.tta, options, resume });
      if (res.stopped) {
        // epochs are numbered across a resume; a stop before the first new one keeps the old checkpoint
        const done = res.history.at(-1)?.epoch ?? (resume ? stopped.done : 0);
        if (done) {
          this.store.update((s) => ({ ...s, fineTuneStopped: { dir: model.dir, done, epochs, unfreeze: this.s.unfreeze.spec } }));
          this.store.log(
            'warn',
            `fine-tuning stopped after epoch ${done} of ${epochs}: its checkpoint is in ${res.checkpointDir ?? model.dir}${res.checkpointDir ? ` (${model.dir} still holds the model before it)` : ''} — alt+f resumes it, "fine-tune E" (alt+d) starts over`,
          );
        } else {
          this.store.log('warn', 'fine-tuning stopped before its first epoch: the head-only model is kept');
        }
        await this.loadModelNow(model.dir).catch((e) => this.store.log('warn', `could not reload ${model.dir}: ${errorText(e)}`));
        return;
      }
      const m = res.metrics;
      const meta = session.model?.meta;
      this.store.update((s) => ({
        ...s,
        backbone: { ...s.backbone, status: 'ready', view: backboneView(session.backbone) ?? s.backbone.view },
        model: {
          id: nextModelId(),
          dir: model.dir,
          classes: meta?.classes ?? model.classes,
          accuracy: m?.accuracy ?? model.accuracy,
          epochsDone: model.epochsDone + res.history.length,
          hiddenUnits: model.hiddenUnits,
        },
        ...(m ? { evaluation: { split: 'val', metrics: m } } : {}),
      }));
      await this.rememberModel(model.dir, m?.accuracy ?? model.accuracy);
      this.store.log(
        'ok',
        `fine-tuned the top ${res.plan.blocks}/${res.plan.totalBlocks} blocks for ${res.history.at(-1)?.epoch ?? res.history.length} epochs${resume ? ' (resumed)' : ''}${m ? `: val accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n})` : ''}${res.earlyStopped ? ' (stopped early)' : ''}, saved to ${model.dir}`,
      );
      void this.refreshUnfreeze();
    });
  }

  /** Export the loaded model (the export action, o in the Model stack, alt+d: export FORMAT [PATH]). */
  exportModel(format: ExportFormat, out?: string): Promise<void> {
    const model = this.s.model!;
    const target = out ?? `${model.dir.replace(/[/\\]+$/, '')}-${format}`;
    this.store.log('phase', `export: ${format} of ${model.dir} to ${target}`);
    return this.runTask('export', async () => {
      const session = this.need('export');
      if (!session.exportModel) throw new Error('this session cannot export');
      const r = await session.exportModel(model.dir, format, target);
      for (const w of r.warnings) this.store.log('warn', w);
      const mb = (r.bytes / 1e6).toFixed(1);
      this.store.log('ok', `exported ${format} to ${r.files[0]} (${mb} MB, ${r.seconds.toFixed(1)} s), with labels.txt and petlab-export.json`);
      // the status bar is one line: the folder and file name say where (the log has the whole path)
      this.store.flash(`exported ${format} to …${path.sep}${path.join(path.basename(path.dirname(r.files[0])), path.basename(r.files[0]))}`);
    });
  }
}
