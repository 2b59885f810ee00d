/**
 * Why an action cannot run now, in words a user can act on (lazygit's rule), and what an action
 * pressed during start-up waits for (it is queued, never dropped).
 */
import { runStateLabel, type WorkbenchState } from '../state/types.js';

export function busyReason(s: WorkbenchState, verb: string): string | undefined {
  if (!s.task) return undefined;
  if (s.task.kind === 'train' || s.task.kind === 'fine-tune')
    return `${verb}: ${s.task.kind === 'train' ? 'training' : 'fine-tuning'} is running — wait, or alt+s to stop it`;
  if (s.task.kind === 'lr-find') return `${verb}: lr-find is running — wait, or alt+s to stop it`;
  return `${verb}: busy (${runStateLabel(s)}) — wait for it to finish`;
}

export function tfReason(s: WorkbenchState, verb: string): string | undefined {
  if (s.tf.status === 'starting') return `${verb}: TensorFlow is still starting…`;
  if (s.tf.status === 'failed') return `${verb}: TensorFlow did not start (${s.tf.error ?? 'see the log'})`;
  if (s.backbone.status === 'loading' || s.backbone.status === 'idle') return `${verb}: the backbone is still loading…`;
  if (s.backbone.status === 'failed') return `${verb}: the backbone did not load (see the Training log)`;
  return undefined;
}

export function datasetReason(s: WorkbenchState, verb: string): string | undefined {
  if (s.datasetChanging) return `${verb}: the review's change is being saved…`;
  switch (s.dataset.status) {
    case 'ready':
      return undefined;
    case 'missing':
      return `${verb}: no dataset yet — download it or type a folder in the Dataset pane`;
    case 'scanning':
    case 'none':
      return `${verb}: the dataset is still being read…`;
    case 'failed':
      return `${verb}: the dataset could not be read (see the Dataset pane)`;
  }
}

/** No model to act on: none yet, or the one start-up loads (--model) is on its way. */
export const modelReason = (s: WorkbenchState, verb: string) =>
  s.modelComing || s.task?.kind === 'load-model' ? `${verb}: the model is still loading…` : `${verb}: no trained model yet — alt+t trains one`;

/**
 * What start-up has still to do before a run key can work ("the backbone has loaded"), or
 * undefined when start-up is over (or failed: then the action's own reason is said at once).
 */
export function startupWait(s: WorkbenchState): string | undefined {
  if (s.tf.status === 'failed' || s.backbone.status === 'failed' || s.dataset.status === 'failed' || s.dataset.status === 'missing') return undefined;
  // everything still pending, so the reason shown (the dataset, say) is always among what it waits for
  const parts: string[] = [];
  if (s.tf.status === 'starting') parts.push('TensorFlow has started and the backbone has loaded');
  else if (s.task?.kind === 'load-model' || s.modelComing) parts.push('the model has loaded');
  else if (s.task?.kind === 'load-backbone' || s.backbone.status === 'loading' || s.backbone.status === 'idle') parts.push('the backbone has loaded');
  if (s.dataset.status === 'scanning' || s.dataset.status === 'none') parts.push('the dataset has been read');
  else if (s.datasetChanging) parts.push("the review's change has been saved");
  return parts.length ? parts.join(', and ') : undefined;
}
