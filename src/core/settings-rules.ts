/**
 * What each setting may hold: the same ranges as the command-line flags that it is the default of,
 * so a stored value never makes a command do something else (`epochs 0` once made train run 50).
 */
import { RESIZE_MODES } from './backbones/spec.js';
import { parseUnfreeze } from './backbones/segments.js';

type Rule =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'number'; min: number; max: number; maxOpen?: boolean; minOpen?: boolean }
  | { kind: 'oneOf'; values: readonly string[] }
  | { kind: 'check'; test(v: string): string | undefined };

const int = (min: number, max?: number): Rule => ({ kind: 'int', min, max });
const num = (min: number, max: number, o: { maxOpen?: boolean; minOpen?: boolean } = {}): Rule => ({ kind: 'number', min, max, ...o });

const RULES: Record<string, Rule> = {
  backend: { kind: 'oneOf', values: ['auto', 'node', 'wasm', 'cpu'] },
  seed: int(0),
  valSplit: num(0, 1, { maxOpen: true }),
  epochs: int(1, 10000),
  batchSize: int(1, 65536),
  learningRate: num(1e-7, 10),
  hiddenUnits: int(0, 100000),
  dropout: num(0, 1, { maxOpen: true }),
  embedBatchSize: int(1, 64),
  workers: int(0, 16),
  resize: { kind: 'oneOf', values: RESIZE_MODES },
  topK: int(1, 1000),
  'fineTune.epochs': int(1, 10000),
  'fineTune.headEpochs': int(0, 10000),
  'fineTune.headSteps': int(0, 1_000_000),
  'fineTune.unfreeze': {
    kind: 'check',
    test: (v) => {
      try {
        parseUnfreeze(v);
        return undefined;
      } catch (e) {
        return (e as Error).message.replace(/^--unfreeze/, 'fineTune.unfreeze');
      }
    },
  },
  'fineTune.learningRate': num(1e-8, 1),
  'fineTune.lrFloor': num(1e-4, 1),
  'fineTune.batchSize': int(1, 4096),
  'fineTune.microBatch': int(1, 128),
  'fineTune.views': int(1, 16),
  'fineTune.ema': num(0, 0.99999),
  'fineTune.patience': int(0, 1000),
};

/** Why `value` cannot be setting `key`, or undefined when it can (keys without a rule take any value of their type). */
export function settingProblem(key: string, value: unknown): string | undefined {
  const r = RULES[key];
  if (!r) return undefined;
  switch (r.kind) {
    case 'int': {
      const n = value as number;
      if (typeof n === 'number' && Number.isInteger(n) && n >= r.min && (r.max === undefined || n <= r.max)) return undefined;
      return `${key} must be a whole number from ${r.min}${r.max !== undefined ? ` to ${r.max}` : ''}, got ${JSON.stringify(value)}`;
    }
    case 'number': {
      const n = value as number;
      if (typeof n === 'number' && Number.isFinite(n) && (r.minOpen ? n > r.min : n >= r.min) && (r.maxOpen ? n < r.max : n <= r.max)) return undefined;
      return `${key} must be a number in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}, got ${JSON.stringify(value)}`;
    }
    case 'oneOf':
      return r.values.includes(value as string) ? undefined : `${key} must be one of ${r.values.join(', ')}, got ${JSON.stringify(value)}`;
    case 'check':
      return typeof value === 'string' ? r.test(value) : `${key} takes text, got ${JSON.stringify(value)}`;
  }
}
