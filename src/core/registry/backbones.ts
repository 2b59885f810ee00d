/**
 * The backbone registry: config/backbones.json, loaded, validated and looked up by name.
 * What a backbone is (files, digests, input, embedding) is data; this module only reads it.
 */
import path from 'node:path';
import { CONFIG_DIR } from '../paths.js';
import type { BackboneFormat, Preprocess } from '../backbones/spec.js';
import { backboneDir, backboneFilesPresent } from '../download/cache-layout.js';
import { createRegistry } from './registry.js';
import { readEntry, RegistryReader, SHA256_RE } from './validate.js';

export const BACKBONES_FILE = path.join(CONFIG_DIR, 'backbones.json');

export interface BackboneFile {
  /** path relative to the backbone's cache folder, <cacheDir>/backbones/<name>/ (and to a mirror's) */
  path: string;
  /** public origin; absent when none is certain (then only the cache or a mirror can provide it) */
  url?: string;
  sha256: string;
  size: number;
  /** not needed to train (e.g. the ImageNet labels): a missing optional file is skipped, not an error */
  optional: boolean;
  note?: string;
}

export interface BackboneEntry {
  name: string;
  description: string;
  format: BackboneFormat;
  /** the registry's recommended backbone */
  isDefault: boolean;
  /** the file to load: the .tflite file, or model.json */
  model: string;
  files: BackboneFile[];
  /** [height, width] */
  inputSize: [number, number];
  /** float range pixels 0..255 are mapped to, e.g. [-1, 1] */
  inputRange: [number, number];
  /** tflite: the tensor name; tfjs-layers: the layer name. pool 'avg': average over H, W. */
  embedding: { layer: string; pool: 'avg' | 'none'; dim?: number };
  labels?: { file: string; count: number; background: boolean };
  /** ImageNet top-1 accuracy, 0..1 */
  imagenetTop1: number;
  licence: string;
  origin: { repo: string; commit: string; folder: string };
}

const FORMATS: readonly BackboneFormat[] = ['tflite', 'tfjs-layers'];

function parseFile(r: RegistryReader, v: unknown, i: number): BackboneFile {
  const f = `files[${i}]`;
  const o = r.obj(v, f);
  return {
    path: r.relPath(o.path, `${f}.path`),
    url: o.url === undefined ? undefined : r.url(o.url, `${f}.url`),
    sha256: r.str(o.sha256, `${f}.sha256`, { pattern: SHA256_RE, what: '64 lowercase hex digits' }),
    size: r.int(o.size, `${f}.size`, 1),
    optional: r.bool(o.optional, `${f}.optional`),
    note: r.optStr(o.note, `${f}.note`),
  };
}

function parseEntry(file: string, v: unknown, i: number): BackboneEntry {
  const { r, o } = readEntry(file, v, i, 'backbone');
  const files = r.arr(o.files, 'files', 1).map((f, j) => parseFile(r, f, j));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) r.fail('files', `lists ${f.path} twice`);
    seen.add(f.path);
    if (!f.optional && !f.url) r.fail(`files (${f.path})`, 'needs a url unless it is optional');
  }
  const model = r.relPath(o.model, 'model');
  const modelFile = files.find((f) => f.path === model);
  if (!modelFile || modelFile.optional) r.fail('model', `must name a required file of the entry (got ${JSON.stringify(model)})`);
  const inputSize = r.arr(o.inputSize, 'inputSize', 2).map((x, j) => r.int(x, `inputSize[${j}]`, 1));
  const inputRange = r.arr(o.inputRange, 'inputRange', 2).map((x, j) => r.num(x, `inputRange[${j}]`, -1e6, 1e6));
  if (inputSize.length !== 2) r.fail('inputSize', 'must be [height, width]');
  if (inputRange.length !== 2 || !(inputRange[1] > inputRange[0])) r.fail('inputRange', 'must be [low, high] with low < high');
  const emb = r.obj(o.embedding, 'embedding');
  let labels: BackboneEntry['labels'];
  if (o.labels !== undefined) {
    const l = r.obj(o.labels, 'labels');
    labels = { file: r.relPath(l.file, 'labels.file'), count: r.int(l.count, 'labels.count', 1), background: r.bool(l.background, 'labels.background') };
    if (!seen.has(labels.file)) r.fail('labels.file', `must be one of the entry's files (got ${JSON.stringify(labels.file)})`);
  }
  const origin = r.obj(o.origin, 'origin');
  return {
    name: o.name as string,
    description: r.str(o.description, 'description'),
    format: r.oneOf(o.format, 'format', FORMATS),
    isDefault: r.bool(o.default, 'default'),
    model,
    files,
    inputSize: [inputSize[0], inputSize[1]],
    inputRange: [inputRange[0], inputRange[1]],
    embedding: {
      layer: r.str(emb.layer, 'embedding.layer'),
      pool: r.oneOf(emb.pool, 'embedding.pool', ['avg', 'none'] as const),
      dim: emb.dim === undefined ? undefined : r.int(emb.dim, 'embedding.dim', 1),
    },
    labels,
    imagenetTop1: r.num(o.imagenetTop1, 'imagenetTop1', 0, 1),
    licence: r.str(o.licence, 'licence'),
    origin: {
      repo: r.str(origin.repo, 'origin.repo'),
      commit: r.str(origin.commit, 'origin.commit', { pattern: /^[0-9a-f]{40}$/, what: 'a 40-hex-digit commit id' }),
      folder: typeof origin.folder === 'string' ? origin.folder : '',
    },
  };
}

const registry = createRegistry<BackboneEntry>({
  defaultFile: BACKBONES_FILE,
  key: 'backbones',
  what: 'backbone',
  parse: parseEntry,
  unknownHint: (known) => `Known backbones: ${known} (see \`petlab models\`), or give a path to a .tflite file or a tfjs model folder.`,
});

/** All entries of a backbone registry file (default: config/backbones.json), validated. */
export const loadBackboneRegistry = (file?: string): BackboneEntry[] => registry.load(file);
export const backboneNames = (file?: string): string[] => registry.names(file);
export const isBackboneName = (name: string, file?: string): boolean => registry.has(name, file);
export const getBackboneEntry = (name: string, file?: string): BackboneEntry => registry.get(name, file);
export const defaultBackboneName = (file?: string): string => registry.defaultName(file);

/** Pixel p in 0..255 is fed as p * scale + offset. */
export function preprocessOf(entry: BackboneEntry): Preprocess {
  const [lo, hi] = entry.inputRange;
  return { scale: (hi - lo) / 255, offset: lo };
}

/** Bytes to fetch for a backbone's required files. */
export function backboneSize(entry: BackboneEntry): number {
  return entry.files.filter((f) => !f.optional).reduce((s, f) => s + f.size, 0);
}

export interface BackboneRow {
  name: string;
  description: string;
  format: BackboneFormat;
  /** bytes of the required files */
  sizeBytes: number;
  /** ImageNet top-1, 0..1 */
  top1: number;
  licence: string;
  isDefault: boolean;
  /** every required file is in the cache with its registered size */
  cached: boolean;
  /** the backbone's cache folder */
  path: string;
}

/** Rows for `petlab models`. Cheap: checks file sizes, hashes nothing. */
export function listBackbones(cacheDir: string, file?: string): BackboneRow[] {
  return loadBackboneRegistry(file).map((e) => ({
    name: e.name,
    description: e.description,
    format: e.format,
    sizeBytes: backboneSize(e),
    top1: e.imagenetTop1,
    licence: e.licence,
    isDefault: e.isDefault,
    cached: backboneFilesPresent(cacheDir, e),
    path: backboneDir(cacheDir, e.name),
  }));
}
