/**
 * Training flags typed at the prompt (alt+d), the same names as `petlab train`'s: checked here so a
 * bad value is said at once, before a run starts.
 */
export interface FlagSpec {
  name: string;
  arg: string;
  description: string;
  /** returns an error message, or undefined when fine */
  check(v: string): string | undefined;
}

const int = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? undefined : `a whole number from ${min} to ${max}`;
};
const num =
  (min: number, max: number, inclusiveMax = true) =>
  (v: string) => {
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) && n >= min && (inclusiveMax ? n <= max : n < max)
      ? undefined
      : `a number in [${min}, ${max}${inclusiveMax ? ']' : ')'}`;
  };

export const TRAIN_FLAGS: FlagSpec[] = [
  { name: 'epochs', arg: 'N', description: 'epochs of head training', check: int(1, 10000) },
  { name: 'lr', arg: 'X', description: 'peak learning rate', check: num(1e-7, 10) },
  { name: 'batch', arg: 'N', description: 'training batch size', check: int(1, 65536) },
  { name: 'hidden', arg: 'N', description: 'units of a hidden head layer (0: linear head)', check: int(0, 100000) },
  { name: 'dropout', arg: 'F', description: 'dropout before each head layer', check: num(0, 1, false) },
  { name: 'seed', arg: 'N', description: 'seed of split, weights and shuffling', check: int(0, 2 ** 31 - 1) },
  { name: 'val-split', arg: 'F', description: 'validation fraction (rescans the folder)', check: num(0, 1, false) },
  { name: 'ft-lr', arg: 'X', description: 'peak learning rate of fine-tuning (default 0.0005)', check: num(1e-8, 1) },
  { name: 'ft-batch', arg: 'N', description: 'fine-tuning batch size (default 32)', check: int(1, 4096) },
  { name: 'views', arg: 'V', description: 'cached views per image when fine-tuning (default 4)', check: int(1, 16) },
  { name: 'out', arg: 'DIR', description: 'model folder to write', check: (v) => (v.trim() ? undefined : 'a folder') },
];

/** Parse "--epochs 5 --lr=0.01": the flags, or the first problem. */
export function parseTrainFlags(words: string[]): { flags: Record<string, string> } | { error: string } {
  const flags: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w.startsWith('--')) return { error: `expected a flag like --epochs 5, got "${w}"` };
    let [name, value] = w.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const spec = TRAIN_FLAGS.find((f) => f.name === name);
    if (!spec) return { error: `unknown flag --${name} (one of ${TRAIN_FLAGS.map((f) => `--${f.name}`).join(', ')})` };
    if (value === undefined) {
      value = words[++i];
      if (value === undefined) return { error: `--${name} needs a value (${spec.arg})` };
    }
    const bad = spec.check(value);
    if (bad) return { error: `--${name} must be ${bad}, got "${value}"` };
    flags[name] = value;
  }
  return { flags };
}

export function describeFlags(flags: Record<string, string>): string {
  return Object.entries(flags)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ');
}
