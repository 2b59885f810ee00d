/**
 * What each setting may hold, as JSON Schema checked by ajv (the validator conf is built on): the
 * same ranges as the command-line flags it is the default of, so a stored value never makes a
 * command do something else (`epochs 0` once made train run 50). A setting without a range here
 * takes any value of its default's type (config/settings.json).
 *
 * Not conf's own `schema`/`defaults` options: conf checks the whole file at once and writes the
 * defaults into it, while petlab keeps the user's file to what they set (`config list` says which
 * are theirs, a new default reaches them) and drops only the one bad value of a hand-edited file.
 */
import { createRequire } from 'node:module';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { RESIZE_MODES } from './backbones/spec.js';
import { parseUnfreeze } from './backbones/segments.js';

interface Schema {
  type?: 'integer' | 'number' | 'string' | 'boolean' | 'object';
  minimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
  enum?: readonly string[];
  format?: 'unfreeze';
  properties?: Record<string, Schema>;
}

const int = (minimum: number, maximum?: number): Schema => ({ type: 'integer', minimum, ...(maximum !== undefined ? { maximum } : {}) });
const num = (minimum: number, maximum: number): Schema => ({ type: 'number', minimum, maximum });
/** [minimum, below) */
const share = (below: number): Schema => ({ type: 'number', minimum: 0, exclusiveMaximum: below });

const RANGES: Record<string, Schema> = {
  backend: { type: 'string', enum: ['auto', 'node', 'wasm', 'cpu'] },
  inference: { type: 'string', enum: ['auto', 'onnxruntime', 'onnxruntime-float', 'tfjs'] },
  seed: int(0),
  valSplit: share(1),
  epochs: int(1, 10000),
  batchSize: int(1, 65536),
  learningRate: num(1e-7, 10),
  hiddenUnits: int(0, 100000),
  dropout: share(1),
  flip: { type: 'boolean' },
  embedBatchSize: int(1, 64),
  workers: int(0, 16),
  resize: { type: 'string', enum: RESIZE_MODES },
  topK: int(1, 1000),
  'fineTune.epochs': int(1, 10000),
  'fineTune.headEpochs': int(0, 10000),
  'fineTune.headSteps': int(0, 1_000_000),
  'fineTune.unfreeze': { type: 'string', format: 'unfreeze' },
  'fineTune.learningRate': num(1e-8, 1),
  'fineTune.lrFloor': num(1e-4, 1),
  'fineTune.batchSize': int(1, 4096),
  'fineTune.microBatch': int(1, 128),
  'fineTune.views': int(1, 16),
  'fineTune.tta': { type: 'boolean' },
  'fineTune.ema': num(0, 0.99999),
  'fineTune.patience': int(0, 1000),
};

function unfreezeProblem(v: string): string | undefined {
  try {
    parseUnfreeze(v);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^--unfreeze/, 'fineTune.unfreeze');
  }
}

let ajv: Ajv2020 | undefined;
// ajv loads on the first check (a user setting), not with the settings: start-up reads few
const loadAjv = () => (createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020;
const validators = new Map<string, ValidateFunction>();

/** The schema of one setting (a dotted key for a group's member), its type from the default. */
function schemaOf(key: string, defaultValue: unknown): Schema | undefined {
  const t = typeof defaultValue;
  return RANGES[key] ?? (t === 'number' || t === 'string' || t === 'boolean' ? { type: t } : undefined);
}

/** One line saying what `key` takes, from its schema. */
function describe(key: string, s: Schema, value: unknown): string {
  const got = `got ${JSON.stringify(value)}`;
  if (s.enum) return `${key} must be one of ${s.enum.join(', ')}, ${got}`;
  if (s.format === 'unfreeze' && typeof value === 'string') return unfreezeProblem(value) ?? `${key}: ${got}`;
  switch (s.type) {
    case 'integer':
      return `${key} must be a whole number from ${s.minimum}${s.maximum !== undefined ? ` to ${s.maximum}` : ''}, ${got}`;
    case 'number':
      return `${key} must be a number in [${s.minimum}, ${s.exclusiveMaximum ?? s.maximum}${s.exclusiveMaximum !== undefined ? ')' : ']'}, ${got}`;
    case 'boolean':
      return `${key} takes true or false, ${got}`;
    default:
      return `${key} takes text, ${got}`;
  }
}

/**
 * Why `value` cannot be setting `key` (whose default is `defaultValue`), or undefined when it can.
 * Keys of no known type (a group, a setting petlab does not have) are not checked here.
 */
export function settingProblem(key: string, value: unknown, defaultValue: unknown): string | undefined {
  const s = schemaOf(key, defaultValue);
  if (!s) return undefined;
  let validate = validators.get(key);
  if (!validate) {
    ajv ??= new (loadAjv())({ formats: { unfreeze: (v: string) => unfreezeProblem(v) === undefined } });
    validate = ajv.compile(s);
    validators.set(key, validate);
  }
  return validate(value) ? undefined : describe(key, s, value);
}
