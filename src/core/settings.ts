import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR, defaultCacheDir } from './paths.js';
import { settingProblem } from './settings-schema.js';
import { readUserStore } from './user-store.js';

/** Defaults live in config/settings.json (data, not code); the user's overrides in conf's store. */
export interface Settings {
  backend: string;
  /** what runs the frozen backbone's inference: onnxruntime | onnxruntime-float | tfjs | auto (ONNX Runtime when it loads) */
  inference: string;
  backbone: string;
  dataset: string;
  seed: number;
  valSplit: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  hiddenUnits: number;
  dropout: number;
  /** train the head on the mirror images too, and predict with flip TTA (train/mirror.ts) */
  flip: boolean;
  embedBatchSize: number;
  /** 0 = one per core */
  workers: number;
  resize: import('./backbones/spec.js').ResizeMode;
  topK: number;
  cacheDir: string;
  mirror: string;
  /** the fine-tuning recipe (train --fine-tune, the workbench's fine-tune action) */
  fineTune: FineTuneSettings;
}

export interface FineTuneSettings {
  epochs: number;
  /** frozen (head-only) epochs before fine-tuning, at least; unless the user gives --epochs */
  headEpochs: number;
  /** ...and at least this many optimizer steps (see train/recipe.ts) */
  headSteps: number;
  unfreeze: string;
  learningRate: number;
  lrFloor: number;
  batchSize: number;
  microBatch: number;
  views: number;
  /** validate with flip TTA; the fine-tuned model then predicts with it */
  tta: boolean;
  ema: number;
  patience: number;
}

export function defaultSettings(): Settings {
  const raw = JSON.parse(readFileSync(path.join(CONFIG_DIR, 'settings.json'), 'utf8')) as Record<string, unknown>;
  delete raw.$comment;
  return raw as unknown as Settings;
}

export function loadSettings(): Settings {
  const s = { ...defaultSettings() };
  let user: Record<string, unknown> = {};
  try {
    user = readUserStore();
  } catch {
    user = {}; // an unreadable user config must not stop the tool; defaults apply
  }
  const out = s as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(user)) {
    if (!(k in s) || k === 'keymap') continue;
    const d = out[k];
    if (isPlainObject(d)) {
      // a group (fineTune): the user's keys over the defaults, so a new default key is never lost
      if (isPlainObject(v))
        out[k] = { ...d, ...Object.fromEntries(Object.entries(v).filter(([kk, vv]) => kk in d && !settingProblem(`${k}.${kk}`, vv, d[kk]))) };
    } else if (!settingProblem(k, v, d)) {
      // (a value out of range, from an old or hand-edited file, is not used: the default applies)
      out[k] = v;
    }
  }
  if (process.env.PETLAB_MIRROR) s.mirror = process.env.PETLAB_MIRROR;
  if (!s.cacheDir || process.env.PETLAB_CACHE_DIR) s.cacheDir = defaultCacheDir();
  return s;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A setting by its dotted key (`epochs`, `fineTune.epochs`); undefined when there is none. */
export function settingAt(s: object, key: string): unknown {
  let v: unknown = s;
  for (const part of key.split('.')) v = isPlainObject(v) && Object.hasOwn(v, part) ? v[part] : undefined;
  return v;
}
