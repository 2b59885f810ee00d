import { promises as fs } from 'node:fs';
import { inProgressDirFor } from '../../core/model/run-folder.js';
import type { Dataset } from '../../core/data/types.js';
import type { Metrics } from '../../core/eval/metrics.js';
import { runFineTune, type FineTuneOutcome, type FineTuneRunRequest } from '../../core/fine-tune-run.js';
import { chosenFineTuneEpochs, markRefitted, refitDataset, type RefitInfo, type RefitPlan } from '../../core/refit.js';
import { savedMetrics } from '../../core/model/meta.js';
import type { Session, TrainHeadRequest, TrainOutcome } from '../../core/session.js';
import { itemsOf } from '../../core/data/scan.js';
import type { Reporter } from '../reporter.js';
import type { BackboneSource } from '../../core/backbones/load.js';

export interface RefitRequest {
  dataset: Dataset;
  head: TrainHeadRequest['head'];
  out: string;
  headRes: TrainOutcome;
  ftRes?: FineTuneOutcome;
  fineTune?: Pick<FineTuneRunRequest, 'options' | 'unfreeze' | 'views' | 'tta'>;
  /** the validated run's figures, kept in the refitted model's metadata */
  metrics: Metrics | undefined;
  extraMeta: Record<string, unknown>;
  /** the backbone the validated run started from: after fine-tuning, the refit starts from it again (not from weights tuned on train only) */
  backbone: { ref: string; source: BackboneSource };
}

/**
 * --refit: the run has validated its choices (epochs, and with early stopping the fine-tuning
 * epochs); train once more on train + validation with them and save that model over the
 * validated one. Undefined when there is nothing to add (no validation pictures).
 */
export async function runRefit(session: Session, r: Reporter, q: RefitRequest): Promise<RefitInfo | 'stopped' | undefined> {
  const nVal = itemsOf(q.dataset, 'val').length;
  if (!nVal) return undefined;
  const all = refitDataset(q.dataset);
  const epochs = q.headRes.history.length;
  const ftEpochs = q.ftRes && q.fineTune ? chosenFineTuneEpochs(q.ftRes.history, q.ftRes.earlyStopped) : 0;
  r.note(
    `refitting on train + validation (${itemsOf(all, 'train').length} pictures) with the validated choices: ${epochs} head epochs${ftEpochs ? `, ${ftEpochs} fine-tuning epochs` : ''}`,
  );
  // the same pictures as the validated run (only their split changed): its embeddings, not a second pass
  // out holds the validated model meanwhile; a stopped refit's checkpoint (beside it) is not one to resume
  const discard = () => fs.rm(inProgressDirFor(q.out), { recursive: true, force: true }).then(() => 'stopped' as const);
  const plan: RefitPlan = {
    trainedOn: q.headRes.embed.total - q.headRes.embed.failed,
    validated: { train: itemsOf(q.dataset, 'train').length, val: nVal },
    epochs,
    ...(ftEpochs ? { fineTuneEpochs: ftEpochs } : {}),
    ...(q.metrics ? { metrics: savedMetrics(q.metrics) } : {}),
  };
  // what the checkpoint says is the refit's own plan: a kill -9 leaves a run that --resume finishes as a refit
  const ftMeta = q.extraMeta.fineTune as Record<string, unknown> | undefined;
  const extraMeta = { ...q.extraMeta, ...(ftMeta ? { fineTune: { ...ftMeta, epochs: ftEpochs, patience: 0 } } : {}), refitting: plan };
  if (q.ftRes) await session.loadBackboneSource(q.backbone.ref, q.backbone.source);
  const head = await session.trainHead({ dataset: all, head: { ...q.head, epochs }, out: q.out, extraMeta, embedded: q.headRes.embedded });
  if (head.stopped) return discard();
  if (ftEpochs && q.fineTune) {
    const ft = await runFineTune(session, {
      dataset: all,
      out: q.out,
      unfreeze: q.fineTune.unfreeze,
      views: q.fineTune.views,
      tta: q.fineTune.tta,
      options: { ...q.fineTune.options, epochs: ftEpochs, patience: 0 },
      resume: false,
      runDir: head.checkpointDir,
    });
    if (ft.stopped) return discard();
  }
  return markRefitted(q.out, plan);
}
