/**
 * The workbench's global actions: their titles (help, prompt) and when they are possible. A
 * disabled action says why, in words a user can act on (lazygit's rule).
 */
import { paneCount, type Layout } from './layout/tree.js';
import { runStateLabel, type WorkbenchState } from './state/types.js';

export interface ActionEnv {
  state: WorkbenchState;
  layout: Layout;
}

export interface ActionDef {
  id: string;
  /** short, for the status bar: "train" */
  short: string;
  /** the status bar's label when it depends on the state (else `short`) */
  label?(s: WorkbenchState): string;
  /** for help and the prompt */
  title: string;
  group: 'run' | 'panes' | 'app';
  enabled?(env: ActionEnv): true | string;
}

function busyReason(s: WorkbenchState, verb: string): string | undefined {
  if (!s.task) return undefined;
  if (s.task.kind === 'train' || s.task.kind === 'fine-tune') return `${verb}: ${s.task.kind === 'train' ? 'training' : 'fine-tuning'} is running — wait, or alt+s to stop it`;
  if (s.task.kind === 'lr-find') return `${verb}: lr-find is running — wait, or alt+s to stop it`;
  return `${verb}: busy (${runStateLabel(s)}) — wait for it to finish`;
}

function tfReason(s: WorkbenchState, verb: string): string | undefined {
  if (s.tf.status === 'starting') return `${verb}: TensorFlow is still starting…`;
  if (s.tf.status === 'failed') return `${verb}: TensorFlow did not start (${s.tf.error ?? 'see the log'})`;
  if (s.backbone.status === 'loading' || s.backbone.status === 'idle') return `${verb}: the backbone is still loading…`;
  if (s.backbone.status === 'failed') return `${verb}: the backbone did not load (see the Training log)`;
  return undefined;
}

function datasetReason(s: WorkbenchState, verb: string): string | undefined {
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

const MODEL = (verb: string) => `${verb}: no trained model yet — alt+t trains one`;

export const ACTIONS: ActionDef[] = [
  {
    id: 'train',
    short: 'train',
    title: 'train a new head on the dataset (settings and prompt flags)',
    group: 'run',
    enabled: ({ state: s }) => (s.task?.kind === 'train' ? 'train: already training (alt+s stops)' : busyReason(s, 'train') ?? datasetReason(s, 'train') ?? tfReason(s, 'train') ?? true),
  },
  {
    id: 'predict',
    short: 'predict',
    title: 'predict the image selected in the Dataset pane',
    group: 'run',
    enabled: ({ state: s }) => (!s.model ? MODEL('predict') : busyReason(s, 'predict') ?? (s.selection ? true : 'predict: select an image in the Dataset pane first (or alt+d: predict PATH)')),
  },
  {
    id: 'evaluate',
    short: 'eval',
    title: 'evaluate the model on the validation images',
    group: 'run',
    enabled: ({ state: s }) => (!s.model ? MODEL('evaluate') : busyReason(s, 'evaluate') ?? datasetReason(s, 'evaluate') ?? true),
  },
  {
    id: 'fine-tune',
    short: 'fine-tune',
    label: (s) => (s.fineTuneStopped ? 'resume fine-tune' : 'fine-tune'),
    title: "fine-tune the backbone's unfrozen top with the head",
    group: 'run',
    enabled: ({ state: s }) =>
      s.task?.kind === 'fine-tune'
        ? 'fine-tune: already fine-tuning (alt+s stops)'
        : !s.model
          ? 'fine-tune: no trained head yet — alt+t trains it first'
          : busyReason(s, 'fine-tune') ??
            datasetReason(s, 'fine-tune') ??
            tfReason(s, 'fine-tune') ??
            (s.unfreeze.busy
              ? 'fine-tune: the unfreeze plan is still being worked out…'
              : s.unfreeze.plan?.blocks === 0 || s.unfreeze.spec === '0'
                ? 'fine-tune: nothing unfrozen — u or + in the Model stack'
                : s.unfreeze.error
                  ? `fine-tune: the unfreeze setting does not work here (${s.unfreeze.error})`
                  : true),
  },
  {
    id: 'lr-find',
    short: 'lr-find',
    title: 'lr-find: loss against a growing learning rate, a suggested --lr',
    group: 'run',
    enabled: ({ state: s }) => (s.task?.kind === 'lr-find' ? 'lr-find: already running (alt+s stops)' : busyReason(s, 'lr-find') ?? datasetReason(s, 'lr-find') ?? tfReason(s, 'lr-find') ?? true),
  },
  {
    id: 'stop',
    short: 'stop',
    title: 'stop training (keeps the last finished epoch)',
    group: 'run',
    enabled: ({ state: s }) => (!s.task ? 'stop: nothing is running' : s.task.stopping ? 'stop: already stopping…' : s.task.kind === 'load-backbone' || s.task.kind === 'load-model' ? 'stop: loading cannot be stopped; it ends by itself' : true),
  },
  { id: 'prompt', short: 'cmd', title: 'command prompt: an action or a flag line, with completion', group: 'app' },
  { id: 'pane.new', short: 'new pane', title: 'new pane (choose its kind)', group: 'panes' },
  {
    id: 'pane.close',
    short: 'close',
    title: 'close the focused pane',
    group: 'panes',
    enabled: ({ layout }) => (paneCount(layout) > 1 ? true : 'close: this is the last pane (q quits)'),
  },
  { id: 'pane.next', short: 'next', title: 'focus the next pane', group: 'panes' },
  { id: 'pane.prev', short: 'prev', title: 'focus the previous pane', group: 'panes' },
  ...Array.from({ length: 9 }, (_, i): ActionDef => ({
    id: `pane.${i + 1}`,
    short: `pane ${i + 1}`,
    title: `focus pane ${i + 1}`,
    group: 'panes',
    enabled: ({ layout }) => (paneCount(layout) > i ? true : `pane ${i + 1}: there ${paneCount(layout) === 1 ? 'is 1 pane' : `are ${paneCount(layout)} panes`}`),
  })),
  {
    id: 'pane.zoom',
    short: 'zoom',
    title: 'zoom the focused pane (full screen and back)',
    group: 'panes',
    enabled: ({ layout }) => (paneCount(layout) > 1 ? true : 'zoom: there is only one pane'),
  },
  { id: 'focus.left', short: 'left', title: 'focus the pane to the left', group: 'panes' },
  { id: 'focus.right', short: 'right', title: 'focus the pane to the right', group: 'panes' },
  { id: 'focus.up', short: 'up', title: 'focus the pane above', group: 'panes' },
  { id: 'focus.down', short: 'down', title: 'focus the pane below', group: 'panes' },
  { id: 'split.h', short: 'split |', title: 'split the focused pane side by side (choose the new kind)', group: 'panes' },
  { id: 'split.v', short: 'split —', title: 'split the focused pane stacked (choose the new kind)', group: 'panes' },
  { id: 'help', short: 'keys', title: 'show every key', group: 'app' },
  { id: 'quit', short: 'quit', title: 'quit (asks first while training runs)', group: 'app' },
];

/** In-pane actions (scope "pane" of the keymap): what they do, for help. */
export const PANE_ACTIONS: Record<string, string> = {
  down: 'move down',
  up: 'move up',
  left: 'previous page of channels (Activations), column (Interpretation)',
  right: 'next page of channels (Activations), column (Interpretation)',
  pageDown: 'page down',
  pageUp: 'page up',
  select: 'select / open / zoom a feature map',
  filter: 'filter the list',
  back: 'back out of any mode',
  section: 'next section (Interpretation: grid, pairs, top losses)',
  gradcam: 'Grad-CAM over the picture on/off (Predictions)',
  gradcamClass: 'Grad-CAM for the next of the top classes (Predictions)',
  unfreeze: 'type what fine-tuning unfreezes: 3 (blocks), 30%, all, 0 (Model stack)',
  unfreezeMore: 'unfreeze one block more (Model stack)',
  unfreezeLess: 'unfreeze one block fewer (Model stack)',
  apply: 'use the suggested learning rate for the next training (LR finder)',
};

export function actionDef(id: string): ActionDef | undefined {
  return ACTIONS.find((a) => a.id === id);
}

/** true, or why not. Unknown actions are enabled (the runner says if it cannot). */
export function isEnabled(id: string, env: ActionEnv): true | string {
  return actionDef(id)?.enabled?.(env) ?? true;
}

/** The status bar's word for an action ("eval", "resume fine-tune"). */
export function actionLabel(id: string, s: WorkbenchState): string {
  const a = actionDef(id);
  return a ? (a.label?.(s) ?? a.short) : id;
}
