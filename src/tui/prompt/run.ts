/**
 * Running a line of the command prompt (alt+d): an action by name, training flags, or a command
 * with an argument. Each command is one handler here, named as in ARG_COMMANDS (their words).
 */
import { isEnabled } from '../actions.js';
import type { ActionContext } from '../actions/context.js';
import { parseTrainFlags } from '../controller/train-flags.js';
import { setKind } from '../layout/tree.js';
import { paneKind, paneKinds } from '../panes/registry.js';
import { parsePromptLine } from './commands.js';

export interface PromptContext extends ActionContext {
  /** run an action as its key does (with its disabled reason, or queued during start-up) */
  runAction(id: string): void;
}

type Handler = (c: PromptContext, arg: string, need: (what: string) => void) => void;

const busyLoading = (c: PromptContext, name: string): string | undefined => {
  const s = c.store.get();
  if (s.task) return `${name}: busy — wait for the current task`;
  if (s.tf.status !== 'ready') return `${name}: TensorFlow is ${s.tf.status === 'starting' ? 'still starting…' : 'not running'}`;
  return undefined;
};

const COMMANDS: Record<string, Handler> = {
  predict(c, arg) {
    if (!arg) return c.runAction('predict');
    const why = isEnabled('predict', { layout: c.layout(), state: { ...c.store.get(), selection: { file: arg, label: '' } } });
    if (why !== true) c.store.flash(why, 'warn');
    else void c.controller.predict(arg);
  },
  data(c, arg, need) {
    if (!arg) return need('a folder');
    if (c.store.get().task?.kind === 'train') return c.store.flash('data: training is running — wait, or alt+s to stop it', 'warn');
    void c.controller.openDataset(arg);
  },
  model(c, arg, need) {
    if (!arg) return need('a model folder');
    const why = busyLoading(c, 'model');
    if (why) return c.store.flash(why, 'warn');
    void c.controller.openModel(arg);
  },
  backbone(c, arg, need) {
    if (!arg) return need('a backbone name or path');
    const why = busyLoading(c, 'backbone');
    if (why) return c.store.flash(why, 'warn');
    void c.controller.useBackbone(arg);
  },
  download(c) {
    const s = c.store.get();
    if (!s.dataset.missing) return c.store.flash('download: the dataset is already here', 'info');
    if (s.task) return c.store.flash('download: busy — wait for the current task', 'warn');
    void c.controller.downloadDataset();
  },
  unfreeze(c, arg, need) {
    if (!arg) return need('a setting: 3 (blocks), 30%, all or 0');
    if (c.store.get().task?.kind === 'fine-tune') return c.store.flash('unfreeze: fine-tuning is running — change it between phases', 'warn');
    void c.controller.setUnfreeze(arg);
  },
  'fine-tune'(c, arg) {
    if (arg) {
      const n = Number(arg);
      if (!Number.isInteger(n) || n < 1 || n > 10000) return c.store.flash(`fine-tune: give a number of epochs from 1 to 10000, got "${arg}"`, 'error');
      c.controller.setFineTuneEpochs(n);
    }
    c.runAction('fine-tune');
  },
  export(c, arg) {
    const [first, ...rest] = arg.split(/\s+/);
    const format = first || 'onnx';
    if (!['onnx', 'tfjs', 'web'].includes(format)) return c.store.flash(`export: unknown format "${format}" — onnx, tfjs or web`, 'warn');
    const why = isEnabled('export', { layout: c.layout(), state: c.store.get() });
    if (why !== true) return c.store.flash(why, 'warn');
    void c.controller.exportModel(format as 'onnx' | 'tfjs' | 'web', rest.join(' ').replace(/^"(.*)"$/, '$1') || undefined);
  },
  gradcam(c, arg) {
    const off = /^(off|no|0)$/i.test(arg);
    c.store.update((s) => ({ ...s, gradCam: off ? { on: false } : { on: true, className: arg || undefined } }));
    c.store.flash(off ? 'Grad-CAM off' : `Grad-CAM on, for ${arg ? `class ${arg}` : 'the predicted class'}`);
  },
  show(c, arg) {
    if (!paneKind(arg))
      return c.store.flash(
        `show: no pane kind "${arg}" (${paneKinds()
          .map((k) => k.kind)
          .join(', ')})`,
        'warn',
      );
    const l = c.layout();
    c.setLayout(setKind(l, l.focus, arg));
  },
};

/** The training flags of a line, for the next run: false when they do not parse (said). */
function setFlags(c: PromptContext, flags: string[]): boolean {
  if (!flags.length) return true;
  const r = parseTrainFlags(flags);
  if ('error' in r) {
    c.store.flash(r.error, 'error');
    return false;
  }
  c.controller.setTrainFlags(r.flags);
  return true;
}

export function runPromptLine(c: PromptContext, line: string): void {
  const p = parsePromptLine(line);
  switch (p.type) {
    case 'empty':
      return;
    case 'unknown':
      return c.store.flash(`unknown command "${p.word}" — alt+d then Tab lists them`, 'warn');
    case 'flags':
      setFlags(c, p.flags);
      return;
    case 'train':
      if (setFlags(c, p.flags)) c.runAction('train');
      return;
    case 'action':
      return c.runAction(p.action);
    case 'command':
      return COMMANDS[p.name]?.(c, p.arg, (what) => c.store.flash(`${p.name}: give ${what}`, 'warn'));
  }
}
