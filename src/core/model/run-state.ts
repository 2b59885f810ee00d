import { readStateJson, type SavedModelMeta } from './meta.js';

/**
 * Where an interrupted run stands. A run is complete only when its last epoch is: a head saved
 * as finished is not the end of a run that was to fine-tune after it.
 *   head            the frozen phase stopped after `epochsDone` epochs (0: restart it)
 *   fine-tune       the frozen phase is done; fine-tuning stopped after `epochsDone` epochs (0: not begun)
 *   complete        nothing left to run
 */
export type RunPoint = { phase: 'head'; epochsDone: number } | { phase: 'fine-tune'; epochsDone: number; epochs: number } | { phase: 'complete' };

export function plannedFineTuneEpochs(meta: Pick<SavedModelMeta, 'training'>): number {
  const ft = (meta.training?.fineTune ?? {}) as { epochs?: unknown };
  return typeof ft.epochs === 'number' ? ft.epochs : 0;
}

export async function runPoint(dir: string, meta: SavedModelMeta): Promise<RunPoint> {
  const state = await readStateJson(dir);
  const ftEpochs = plannedFineTuneEpochs(meta);
  const epoch = typeof state?.epoch === 'number' ? state.epoch : 0;
  if (state?.phase === 'fine-tune') return { phase: 'fine-tune', epochsDone: epoch, epochs: ftEpochs };
  if (!meta.complete) return { phase: 'head', epochsDone: state?.phase === 'train' ? epoch : 0 };
  // finished as saved: the head phase of a run that goes on to fine-tune, or the end
  if (ftEpochs > 0 && !meta.backbone.fineTuned) return { phase: 'fine-tune', epochsDone: 0, epochs: ftEpochs };
  return { phase: 'complete' };
}

/** --resume on a dataset whose classes differ from the run's would silently retrain another task. */
export function differingClasses(run: string[], data: string[]): { onlyInData: string[]; onlyInRun: string[] } | undefined {
  const onlyInData = data.filter((c) => !run.includes(c));
  const onlyInRun = run.filter((c) => !data.includes(c));
  return onlyInData.length || onlyInRun.length ? { onlyInData, onlyInRun } : undefined;
}
