/**
 * The workbench's global actions, one record each (lazygit's Binding): what it does, its words for
 * the status bar, help and the prompt, when it is disabled and why, and what it waits for when
 * pressed during start-up. Its keys are data (config/keymap.json, by the action's id). The status
 * bar, `?` help and the prompt all read this list.
 */
import type { ActionContext } from './actions/context.js';
import { busyReason, datasetReason, modelReason as MODEL, startupWait, tfReason } from './actions/reasons.js';
import { closePane, focusCycle, focusDirection, focusNumber, leaves, paneByNumber, paneCount, toggleZoom, type Direction, type Layout } from './layout/tree.js';
import type { WorkbenchState } from './state/types.js';

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
  /** pressed while start-up is not over: what it waits for ("the backbone has loaded"); it then runs */
  waitsFor?(s: WorkbenchState): string | undefined;
  /** pressed while alt+t waits or trains, it waits for that training (alt+t alt+p: predict with the new model) */
  followsTraining?: boolean;
  /** help shows the actions of one group on one line ("ctrl+f 1..9") */
  helpGroup?: string;
  /** a promise when the action runs on (train: the router knows when that training is over) */
  run(ctx: ActionContext): void | Promise<unknown>;
}

/** A model that is there or loading: predict, evaluate and fine-tune can wait for start-up. */
const withModel = (s: WorkbenchState) => (s.model || s.modelComing || s.task?.kind === 'load-model' ? startupWait(s) : undefined);

function focusTo(ctx: ActionContext, dir: Direction): void {
  const l = ctx.layout();
  const { width, height } = ctx.area();
  const next = focusDirection(l, dir, width, height);
  if (next.focus === l.focus) ctx.store.flash(`no pane ${dir === 'left' || dir === 'right' ? `to the ${dir}` : dir === 'up' ? 'above' : 'below'}`);
  else ctx.setLayout(l.zoomed ? { ...next, zoomed: true } : next);
}

/** "1 2 3 5": the numbers of the panes there are. */
const paneNumbers = (l: Layout) =>
  leaves(l.root)
    .map((p) => p.number)
    .sort((a, b) => a - b)
    .join(' ');

const layoutOp = (f: (l: Layout) => Layout | undefined) => (ctx: ActionContext) => ctx.setLayout(f(ctx.layout()) ?? ctx.layout());

export const ACTIONS: ActionDef[] = [
  {
    id: 'train',
    short: 'train',
    title: 'train a new head on the dataset (settings and prompt flags)',
    group: 'run',
    waitsFor: startupWait,
    run: (c) => c.controller.train(),
    enabled: ({ state: s }) =>
      s.task?.kind === 'train'
        ? 'train: already training (alt+s stops)'
        : (busyReason(s, 'train') ?? datasetReason(s, 'train') ?? tfReason(s, 'train') ?? true),
  },
  {
    id: 'predict',
    short: 'predict',
    title: 'predict the image selected in the Dataset pane',
    group: 'run',
    waitsFor: withModel,
    followsTraining: true,
    run: (c) => void c.controller.predict(),
    enabled: ({ state: s }) =>
      !s.model
        ? MODEL(s, 'predict')
        : (busyReason(s, 'predict') ?? (s.selection ? true : 'predict: select an image in the Dataset pane first (or alt+d: predict PATH)')),
  },
  {
    id: 'evaluate',
    short: 'eval',
    title: 'evaluate the model on the validation images',
    group: 'run',
    waitsFor: withModel,
    followsTraining: true,
    run: (c) => {
      c.reveal('interpretation');
      void c.controller.evaluate();
    },
    enabled: ({ state: s }) => (!s.model ? MODEL(s, 'evaluate') : (busyReason(s, 'evaluate') ?? datasetReason(s, 'evaluate') ?? true)),
  },
  {
    id: 'fine-tune',
    short: 'fine-tune',
    label: (s) => (s.fineTuneStopped ? 'resume fine-tune' : 'fine-tune'),
    title: "fine-tune the backbone's unfrozen top with the head",
    group: 'run',
    waitsFor: withModel,
    followsTraining: true,
    run: (c) => void c.controller.fineTune(),
    enabled: ({ state: s }) =>
      s.task?.kind === 'fine-tune'
        ? 'fine-tune: already fine-tuning (alt+s stops)'
        : !s.model
          ? 'fine-tune: no trained head yet — alt+t trains it first'
          : (busyReason(s, 'fine-tune') ??
            datasetReason(s, 'fine-tune') ??
            tfReason(s, 'fine-tune') ??
            (s.unfreeze.busy
              ? 'fine-tune: the unfreeze plan is still being worked out…'
              : s.unfreeze.plan?.blocks === 0 || s.unfreeze.spec === '0'
                ? 'fine-tune: nothing unfrozen — u or + in the Model stack'
                : s.unfreeze.error
                  ? `fine-tune: the unfreeze setting does not work here (${s.unfreeze.error})`
                  : true)),
  },
  {
    id: 'lr-find',
    short: 'lr-find',
    title: 'lr-find: loss against a growing learning rate, a suggested --lr',
    group: 'run',
    waitsFor: startupWait,
    run: (c) => {
      c.reveal('lr-find');
      void c.controller.lrFind();
    },
    enabled: ({ state: s }) =>
      s.task?.kind === 'lr-find'
        ? 'lr-find: already running (alt+s stops)'
        : (busyReason(s, 'lr-find') ?? datasetReason(s, 'lr-find') ?? tfReason(s, 'lr-find') ?? true),
  },
  {
    id: 'review',
    short: 'review',
    title: 'review the dataset: pictures that look mislabelled, duplicates (cross-validated on cached embeddings)',
    group: 'run',
    waitsFor: startupWait,
    run: (c) => {
      c.reveal('review', { focus: true }); // its keys (a, s, p, u) are what comes next
      void c.controller.review();
    },
    enabled: ({ state: s }) =>
      s.task?.kind === 'review'
        ? 'review: already running (alt+s stops)'
        : (busyReason(s, 'review') ??
          datasetReason(s, 'review') ??
          tfReason(s, 'review') ??
          (s.dataset.ds && s.dataset.ds.classes.length < 2 ? 'review: the dataset has one class; a review needs two or more' : true)),
  },
  {
    id: 'pairs-train',
    short: 'pairs train',
    title: 'train the pairs head (same class or not?) for the Pairs pane',
    group: 'run',
    waitsFor: startupWait,
    run: (c) => {
      c.reveal('pairs');
      void c.controller.pairsTrain();
    },
    enabled: ({ state: s }) =>
      s.task?.kind === 'pairs-train'
        ? 'pairs train: already training (alt+s stops)'
        : (busyReason(s, 'pairs train') ??
          datasetReason(s, 'pairs train') ??
          tfReason(s, 'pairs train') ??
          (s.dataset.ds && s.dataset.ds.classes.length < 2 ? 'pairs train: the dataset has one class; pairs need two or more' : true)),
  },
  {
    id: 'pairs-compare',
    short: 'compare',
    title: 'compare pictures A and B (Pairs pane): same class or not',
    group: 'run',
    run: (c) => {
      c.reveal('pairs');
      void c.controller.pairsCompare();
    },
    enabled: ({ state: s }) =>
      tfReason(s, 'compare') ??
      (!s.pairs?.model
        ? 'compare: no pairs model for this dataset yet — alt+w trains one (or pairs-train at alt+d)'
        : (busyReason(s, 'compare') ??
          (!s.pairs.a
            ? 'compare: no picture A — b in the Pairs pane marks the selected one'
            : !s.pairs.b
              ? 'compare: now select picture B in the Dataset pane'
              : true))),
  },
  {
    id: 'stop',
    short: 'stop',
    title: 'stop training (keeps the last finished epoch)',
    group: 'run',
    run: (c) => c.controller.stop(),
    enabled: ({ state: s }) =>
      !s.task
        ? 'stop: nothing is running'
        : s.task.stopping
          ? 'stop: already stopping…'
          : s.task.kind === 'load-backbone' || s.task.kind === 'load-model'
            ? 'stop: loading cannot be stopped; it ends by itself'
            : true,
  },
  {
    id: 'export',
    short: 'export',
    title: 'export the model as ONNX into MODEL-onnx/ (o in the Model stack; alt+d: export onnx|tfjs|web [PATH])',
    group: 'run',
    run: (c) => void c.controller.exportModel('onnx'),
    enabled: ({ state: s }) => (!s.model ? MODEL(s, 'export') : (busyReason(s, 'export') ?? tfReason(s, 'export') ?? true)),
  },
  { id: 'prompt', short: 'cmd', title: 'command prompt: an action or a flag line, with completion', group: 'app', run: (c) => c.setMode({ type: 'prompt' }) },
  { id: 'pane.new', short: 'new pane', title: 'new pane (choose its kind)', group: 'panes', run: (c) => c.setMode({ type: 'chooser' }) },
  {
    id: 'pane.close',
    short: 'close',
    title: 'close the focused pane',
    group: 'panes',
    run: layoutOp(closePane),
    enabled: ({ layout }) => (paneCount(layout) > 1 ? true : 'close: this is the last pane (q quits)'),
  },
  { id: 'pane.next', short: 'next', title: 'focus the next pane', group: 'panes', run: layoutOp((l) => focusCycle(l, 1)) },
  { id: 'pane.prev', short: 'prev', title: 'focus the previous pane', group: 'panes', run: layoutOp((l) => focusCycle(l, -1)) },
  ...Array.from({ length: 9 }, (_, i): ActionDef => ({
    id: `pane.${i + 1}`,
    short: `pane ${i + 1}`,
    title: `focus pane ${i + 1}`,
    group: 'panes',
    helpGroup: 'pane.N',
    enabled: ({ layout }) =>
      paneByNumber(layout, i + 1)
        ? true
        : `pane ${i + 1}: there ${paneCount(layout) === 1 ? 'is 1 pane' : `are ${paneCount(layout)} panes`} (${paneNumbers(layout)})`,
    run: layoutOp((l) => focusNumber(l, i + 1)),
  })),
  {
    id: 'pane.zoom',
    short: 'zoom',
    title: 'zoom the focused pane (full screen and back)',
    group: 'panes',
    run: layoutOp(toggleZoom),
    enabled: ({ layout }) => (paneCount(layout) > 1 ? true : 'zoom: there is only one pane'),
  },
  { id: 'focus.left', short: 'left', title: 'focus the pane to the left', group: 'panes', run: (c) => focusTo(c, 'left') },
  { id: 'focus.right', short: 'right', title: 'focus the pane to the right', group: 'panes', run: (c) => focusTo(c, 'right') },
  { id: 'focus.up', short: 'up', title: 'focus the pane above', group: 'panes', run: (c) => focusTo(c, 'up') },
  { id: 'focus.down', short: 'down', title: 'focus the pane below', group: 'panes', run: (c) => focusTo(c, 'down') },
  {
    id: 'split.h',
    short: 'split |',
    title: 'split the focused pane side by side (choose the new kind)',
    group: 'panes',
    run: (c) => c.setMode({ type: 'chooser', dir: 'h' }),
  },
  {
    id: 'split.v',
    short: 'split —',
    title: 'split the focused pane stacked (choose the new kind)',
    group: 'panes',
    run: (c) => c.setMode({ type: 'chooser', dir: 'v' }),
  },
  { id: 'help', short: 'keys', title: 'show every key', group: 'app', run: (c) => c.setMode({ type: 'help' }) },
  { id: 'quit', short: 'quit', title: 'quit (asks first while training runs)', group: 'app', run: (c) => c.quit() },
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
  apply: 'use the suggested learning rate for the next training (LR finder); accept the suggested label (Review)',
  relabel: 'pick another class to move the picture into: j/k, enter moves it, esc backs out (Review)',
  skip: 'keep the label as it is, next suspect (Review)',
  undo: 'undo the last decision: a moved picture moves back, an excluded one is back in the dataset (Review)',
  exclude: 'leave the picture out of the dataset: the file stays, the journal (.petlab-review.json) excludes it (Review)',
  export: 'export the model as ONNX into MODEL-onnx/ (Model stack)',
  pairMark: 'mark the selected picture as A; the next one selected is B (Pairs)',
  'pairs-compare': 'compare pictures A and B again (Pairs)',
  neighbours: 'the selected picture beside its nearest ones (cosine on the embeddings), ≠ marks another class: j/k, enter selects one, esc back (Dataset)',
  openReview: 'open the Review pane: the suspects of the dataset, reviewed unless a review is there (Interpretation)',
};

/** What an in-pane action's rule sees: the state, and the picture the pane has selected (if any). */
export interface PaneActionEnv {
  state: WorkbenchState;
  picture?: string;
}

/** In-pane actions that can be disabled: true, or why not (the pane says it in the status bar). */
export const PANE_ACTION_RULES: Record<string, (env: PaneActionEnv) => true | string> = {
  // with the index built for this dataset it is instant, else the core builds it (a task: the backbone and no other task)
  neighbours: ({ state: s, picture }) =>
    !picture
      ? 'neighbours: select a picture first (enter on a class, then j/k)'
      : s.neighbourIndex?.ds === s.dataset.ds || s.task?.kind === 'neighbours'
        ? true
        : (busyReason(s, 'neighbours') ?? datasetReason(s, 'neighbours') ?? tfReason(s, 'neighbours') ?? true),
};

export function isPaneActionEnabled(id: string, env: PaneActionEnv): true | string {
  return PANE_ACTION_RULES[id]?.(env) ?? true;
}

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
