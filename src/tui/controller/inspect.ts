/** Seeing what the model does: predict, evaluate, activations, Grad-CAM (panes ask, and never wait). */
import path from 'node:path';
import type { ActivationPage, ActivationRequest } from '../../core/explain/activations.js';
import { interpretEvaluation } from '../../core/explain/interpretation.js';
import type { GradCamOutcome } from '../../core/session.js';
import type { TaskKind } from '../state/types.js';
import { errorText } from './base.js';
import { DataController } from './data.js';

export class InspectController extends DataController {
  /** Predict an image (default: the one selected in the Dataset pane). */
  predict(file?: string): Promise<void> {
    const sel = this.s.selection;
    const target = file ? path.resolve(file) : sel!.file;
    const label = this.labelOf(target);
    const m = this.s.model;
    const model = m && {
      id: m.id,
      text: `${m.epochsDone} epoch${m.epochsDone === 1 ? '' : 's'}${m.accuracy !== undefined ? ` · val ${(m.accuracy * 100).toFixed(1)}%` : ''} · ${path.basename(m.dir)}`,
    };
    this.store.update((s) => ({ ...s, prediction: { file: target, label, top: [], busy: true, model }, inspect: { file: target, label } }));
    return this.runTask('predict', async () => {
      const session = this.session!;
      session.resetStop();
      try {
        const [p] = await session.predict([target], Math.max(5, this.opts.settings.topK));
        this.store.update((s) => ({ ...s, prediction: { file: target, label, top: p.top.slice(0, 5), error: p.error, busy: false, model } }));
        if (p.error) this.store.flash(`predict: ${p.error}`, 'error');
      } catch (e) {
        this.store.update((s) => ({ ...s, prediction: { file: target, label, top: [], error: errorText(e), busy: false, model } }));
        throw e;
      }
    });
  }

  /** The Predictions pane shows a prediction of an older model (trained, fine-tuned or loaded since): predict it again. */
  protected override afterTask(kind: TaskKind): void {
    const p = this.s.prediction;
    const m = this.s.model;
    if (kind === 'predict' || !p || p.busy || !m || p.model?.id === m.id || !this.session || this.s.task) return;
    void this.predict(p.file);
  }

  protected labelOf(file: string): string | undefined {
    const ds = this.s.dataset.ds;
    const it = ds?.items.find((i) => i.file === file);
    return it && ds ? ds.classes[it.label] : undefined;
  }

  evaluate(): Promise<void> {
    const ds = this.s.dataset.ds!;
    const split = ds.items.some((i) => i.split === 'val') ? 'val' : 'all';
    this.store.log('phase', `evaluate: ${split} images of ${ds.root}`);
    return this.runTask('evaluate', async () => {
      const session = this.session!;
      session.resetStop();
      const r = await session.evaluate(ds, split);
      const m = r.metrics;
      const classes = session.model?.meta.classes ?? this.s.model?.classes ?? ds.classes;
      const interpretation = interpretEvaluation(
        { classes, files: r.items.map((i) => i.file), labels: r.labels, probs: r.probs },
        { topLosses: 100, topPairs: 30, pictures: true },
      );
      this.store.update((s) => ({ ...s, evaluation: { split, metrics: m }, interpretation: { ...interpretation, split } }));
      this.store.log('ok', `${split} accuracy ${(m.accuracy * 100).toFixed(1)}% (${Math.round(m.accuracy * m.n)}/${m.n}), loss ${m.loss.toFixed(4)}`);
      const worst = [...m.perClass].sort((a, b) => a.accuracy - b.accuracy).slice(0, 5);
      this.store.log('info', `per class: ${worst.map((c) => `${c.name} ${(c.accuracy * 100).toFixed(0)}%`).join(', ')}${m.perClass.length > 5 ? ', …' : ''}`);
    });
  }

  activations(file: string, request: ActivationRequest): Promise<ActivationPage> {
    return this.need('activations').activations(file, request);
  }

  gradCam(file: string, className?: string): Promise<GradCamOutcome> {
    return this.need('Grad-CAM').gradCam(file, className === undefined ? {} : { className });
  }

  /** The image the Activations pane shows (Dataset selection, a prediction, a top loss). */
  inspect(file: string, label?: string): void {
    this.store.update((s) => (s.inspect?.file === file ? s : { ...s, inspect: { file, label } }));
  }
}
