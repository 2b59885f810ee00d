import { describeSplit } from '../../core/data/report.js';
import { itemsOf } from '../../core/data/scan.js';
import type { Dataset } from '../../core/data/types.js';
import type { RunPoint } from '../../core/model/run-state.js';
import { count } from '../../text/plural.js';
import type { Reporter } from '../reporter.js';

/**
 * What `petlab train` says about where a run stands: resuming, or stopped (Ctrl-C). When --out held
 * a finished model, the run checkpoints beside it (core/model/run-folder.ts) and says that the model
 * is still there.
 */

/** The dataset line: its classes, and the pictures trained on and held out for validation; refit: a resumed refit's (all trained on). */
export function datasetNote(ds: Dataset, o: { refit?: boolean } = {}): string {
  const nTrain = itemsOf(ds, 'train').length;
  const split = o.refit
    ? `${nTrain} train (refit on train + validation: none held out)`
    : `${nTrain} train / ${itemsOf(ds, 'val').length} val (${describeSplit(ds)})`;
  return `dataset: ${ds.root} (${ds.layout}): ${count(ds.classes.length, 'class', 'classes')}, ${split}${ds.skipped.length ? `, ${ds.skipped.length} skipped` : ''}`;
}

/** The line that says what --resume continues; runDir is where the checkpoint is (out, or beside it); refit: a refit's (core/refit.ts). */
export function resumeNote(point: RunPoint, out: string, runDir: string, o: { refit?: boolean } = {}): string {
  const kept = runDir === out ? '' : `; ${out} keeps its ${o.refit ? 'validated' : 'previous'} model until the run finishes`;
  const what = o.refit ? 'the refit on train + validation: ' : '';
  if (point.phase === 'fine-tune')
    return point.epochsDone
      ? `${what}resuming the fine-tuning phase from ${runDir} (epoch ${point.epochsDone} of ${point.epochs} done)${kept}`
      : `${what}the frozen phase in ${runDir} is done: fine-tuning from it${kept}`;
  return `${what}resuming the frozen phase from ${runDir} (epoch ${point.phase === 'head' ? point.epochsDone : 0} done)${kept}`;
}

export interface StoppedRunReport {
  out: string;
  /** set when out held a finished model, which is still there: the folder of the run's checkpoint */
  checkpointDir?: string;
  phase: 'head' | 'fine-tune';
  epochsDone: number;
  /** the epochs planned in this phase */
  epochs: number;
}

/** Say what a stopped run kept, and give its result; returns the exit code (130). */
export function reportStopped(r: Reporter, s: StoppedRunReport): number {
  const headKept = s.phase === 'fine-tune';
  const saved = s.epochsDone > 0 || headKept;
  if (s.checkpointDir) {
    const what = s.epochsDone
      ? `stopped after ${s.phase === 'fine-tune' ? 'fine-tuning ' : ''}epoch ${s.epochsDone} of ${s.epochs}`
      : headKept
        ? 'stopped before the first fine-tuning epoch finished'
        : 'stopped before the first epoch finished';
    r.note(
      `${what}: ${s.out} still holds the previous complete model; ${saved ? `the checkpoint is kept for --resume (in ${s.checkpointDir})` : 'nothing of this run was saved'}`,
    );
    r.result({ command: 'train', stopped: true, modelDir: s.out, checkpointDir: saved ? s.checkpointDir : null, epochsDone: s.epochsDone });
    return 130;
  }
  r.note(
    s.epochsDone
      ? `stopped: ${s.out} holds the model after epoch ${s.epochsDone}; continue with --resume`
      : headKept
        ? `stopped before the first fine-tuning epoch finished: ${s.out} holds the frozen-phase model; continue with --resume`
        : 'stopped before the first epoch finished: nothing saved',
  );
  r.result({ command: 'train', stopped: true, modelDir: saved ? s.out : null, epochsDone: s.epochsDone });
  return 130;
}
