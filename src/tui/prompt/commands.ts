/**
 * The command prompt's language (alt+d, like dmenu): an action by name ("train", "pane.zoom"), a
 * command with an argument ("predict PATH", "data DIR", "model DIR", "backbone NAME|PATH",
 * "show KIND"), or a flag line for the next training ("--epochs 5 --lr 0.003", also after "train").
 * Pure: completion candidates and parsing; running is the caller's.
 */
import { ACTIONS } from '../actions.js';
import { TRAIN_FLAGS } from '../controller/train-flags.js';

export interface PromptItem {
  /** what Tab/enter puts in the line */
  insert: string;
  label: string;
  description: string;
}

export interface ArgCommand {
  name: string;
  arg: string;
  description: string;
  /** the argument is a file path: Tab completes it from the file system */
  path: boolean;
  optional?: boolean;
}

export const ARG_COMMANDS: ArgCommand[] = [
  { name: 'predict', arg: '[PATH]', description: 'predict an image file (default: the selected one)', path: true, optional: true },
  { name: 'data', arg: 'DIR', description: 'open a dataset folder', path: true },
  { name: 'model', arg: 'DIR', description: 'open a trained model folder', path: true },
  { name: 'backbone', arg: 'NAME|PATH', description: 'use another backbone', path: true },
  { name: 'show', arg: 'KIND', description: 'show another kind in the focused pane', path: false },
  { name: 'download', arg: '', description: 'download the default dataset', path: false, optional: true },
  { name: 'unfreeze', arg: 'N|P%|all', description: 'what fine-tuning trains: the top N blocks, P% of the layers, all (Model stack shows it)', path: false },
  { name: 'fine-tune', arg: '[E]', description: 'fine-tune for E epochs (the unfrozen top of the backbone and the head)', path: false, optional: true },
  {
    name: 'export',
    arg: '[onnx|tfjs|web] [PATH]',
    description: 'export the model (default: onnx, into MODEL-FORMAT beside the model folder)',
    path: false,
    optional: true,
  },
  {
    name: 'gradcam',
    arg: '[CLASS|off]',
    description: 'Grad-CAM over the Predictions picture, for a class (default: the predicted one)',
    path: false,
    optional: true,
  },
];

export type Parsed =
  | { type: 'action'; action: string }
  | { type: 'train'; flags: string[] }
  | { type: 'flags'; flags: string[] }
  | { type: 'command'; name: string; arg: string }
  | { type: 'unknown'; word: string }
  | { type: 'empty' };

/** Split a line into words; "double quotes" keep spaces in a path. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2]);
  return out;
}

export function parsePromptLine(line: string): Parsed {
  const w = words(line.trim());
  if (!w.length) return { type: 'empty' };
  if (w[0].startsWith('--')) return { type: 'flags', flags: w };
  if (w[0] === 'train') return { type: 'train', flags: w.slice(1) };
  const cmd = ARG_COMMANDS.find((c) => c.name === w[0]);
  if (cmd)
    return {
      type: 'command',
      name: cmd.name,
      arg: line
        .trim()
        .slice(w[0].length)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    };
  if (ACTIONS.some((a) => a.id === w[0])) return { type: 'action', action: w[0] };
  return { type: 'unknown', word: w[0] };
}

function rank(name: string, typed: string): number {
  if (!typed) return 1;
  if (name.startsWith(typed)) return 3;
  if (name.split(/[.-]/).some((p) => p.startsWith(typed))) return 2;
  if (name.includes(typed)) return 1;
  return 0;
}

/** Candidates for the line as typed (not paths: those are completed from the disk on Tab). */
export function promptCandidates(line: string, kinds: string[] = []): PromptItem[] {
  const trimmed = line.replace(/^\s+/, '');
  const w = words(trimmed);
  const endsWithSpace = /\s$/.test(trimmed);
  const current = endsWithSpace ? '' : (w.at(-1) ?? '');
  const before = endsWithSpace ? trimmed : trimmed.slice(0, trimmed.length - current.length);
  // flags: a flag line, or train's flags
  if ((w[0] === 'train' && (w.length > 1 || endsWithSpace)) || trimmed.startsWith('--')) {
    const prev = endsWithSpace ? w.at(-1) : w.at(-2);
    if (prev?.startsWith('--') && !prev.includes('=') && TRAIN_FLAGS.some((f) => `--${f.name}` === prev)) return []; // typing a value
    if (!current.startsWith('-') && current) return [];
    const used = new Set(w.filter((x) => x.startsWith('--')).map((x) => x.slice(2).split('=')[0]));
    return TRAIN_FLAGS.filter((f) => !used.has(f.name) || `--${f.name}` === current)
      .filter((f) => `--${f.name}`.startsWith(current || '--'))
      .map((f) => ({ insert: `${before}--${f.name} `, label: `--${f.name} ${f.arg}`, description: f.description }));
  }
  if (w[0] === 'show' && (w.length > 1 || endsWithSpace)) {
    return kinds
      .filter((k) => k.startsWith(current))
      .map((k) => ({ insert: `show ${k}`, label: `show ${k}`, description: 'show this kind in the focused pane' }));
  }
  if (w.length > 1 || endsWithSpace) return [];
  const typed = current;
  const items: Array<PromptItem & { score: number }> = [];
  items.push({ insert: 'train ', label: 'train [--FLAG VALUE…]', description: 'train a new head (flags: --epochs, --lr, …)', score: rank('train', typed) });
  for (const c of ARG_COMMANDS)
    items.push({
      insert: c.arg ? `${c.name} ` : c.name,
      label: `${c.name}${c.arg ? ' ' + c.arg : ''}`,
      description: c.description,
      score: rank(c.name, typed),
    });
  for (const a of ACTIONS) {
    if (a.id === 'train' || a.id === 'predict' || a.id === 'prompt' || ARG_COMMANDS.some((c) => c.name === a.id)) continue;
    items.push({ insert: a.id, label: a.id, description: a.title, score: rank(a.id, typed) });
  }
  if (!typed || '--'.startsWith(typed))
    items.push({ insert: '--', label: '--FLAG VALUE…', description: 'set training flags for the next run', score: typed ? 3 : 0.5 });
  return items
    .filter((i) => i.score > 0)
    .sort((a, b) => b.score - a.score)
    .map(({ score: _s, ...i }) => i);
}

/** The argument being typed when the line is "COMMAND PATH...", for path completion. */
export function pathArgument(line: string): { command: string; arg: string } | undefined {
  const m = /^\s*(\S+)\s+(.*)$/s.exec(line);
  if (!m) return undefined;
  const cmd = ARG_COMMANDS.find((c) => c.name === m[1] && c.path);
  return cmd ? { command: cmd.name, arg: m[2] } : undefined;
}
