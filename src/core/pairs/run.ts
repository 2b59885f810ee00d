/**
 * Pairs models as both front ends run them, over one Session: the backbone's (cached)
 * embeddings, the head's work in the main worker (src/core/worker/pairs-handlers.ts).
 */
import path from 'node:path';
import type { Dataset } from '../data/types.js';
import { gatherRows } from '../embed/rows.js';
import { PetlabError } from '../errors.js';
import { prepareOutputDir } from '../io/output-dir.js';
import { loadModelBackbone } from '../model/describe.js';
import type { Session } from '../session.js';
import type { EpochStats } from '../train/head.js';
import { count } from '../../text/plural.js';
import { episodePairs, makeEpisodes, scoreEpisodes } from './episodes.js';
import { readPairsMeta, type PairsModelMeta } from './meta.js';
import { PAIRS_DEFAULTS, type PairsHeadOptions } from './options.js';
import { cosine, unitRows } from './sampler.js';

export interface PairsTrainRequest {
  dataset: Dataset;
  out: string;
  exclude: string[];
  options?: Partial<PairsHeadOptions>;
}

export interface PairsTrainOutcome {
  modelDir: string;
  classes: string[];
  excluded: string[];
  images: number;
  history: EpochStats[];
  stopped: boolean;
  timings: { embed: number; train: number };
}

/** Names given to --exclude / --classes, each checked against the dataset's classes. */
export function resolveClasses(names: string[], ds: Dataset, flag: string): number[] {
  return names.map((n) => {
    const i = ds.classes.findIndex((c) => c === n) >= 0 ? ds.classes.indexOf(n) : ds.classes.findIndex((c) => c.toLowerCase() === n.toLowerCase());
    if (i < 0)
      throw new PetlabError(`${flag}: no class "${n}" in ${ds.root}`, {
        kind: 'usage',
        hint: `its classes: ${ds.classes.slice(0, 8).join(', ')}${ds.classes.length > 8 ? ', ...' : ''}`,
      });
    return i;
  });
}

/** Embeddings and labels of every readable picture of the given classes (all splits). */
async function labelled(session: Session, ds: Dataset, classes: number[]): Promise<{ x: Float32Array; y: Int32Array; dim: number; files: string[] }> {
  const keep = new Set(classes);
  const items = ds.items.filter((i) => keep.has(i.label));
  const emb = await session.embed(items.map((i) => i.file));
  const rows = items.map((_, i) => i).filter((i) => emb.ok[i]);
  return {
    x: gatherRows(emb.vectors, emb.dim, rows),
    y: Int32Array.from(rows.map((r) => items[r].label)),
    dim: emb.dim,
    files: rows.map((r) => items[r].file),
  };
}

export async function trainPairs(session: Session, req: PairsTrainRequest): Promise<PairsTrainOutcome> {
  const bb = session.requireBackbone();
  const ds = req.dataset;
  const excluded = new Set(resolveClasses(req.exclude, ds, '--exclude'));
  const classes = ds.classes.map((_, i) => i).filter((i) => !excluded.has(i));
  if (classes.length < 2)
    throw new PetlabError(`pairs training needs at least 2 classes left after --exclude, ${ds.root} has ${classes.length}`, {
      kind: 'usage',
      hint: 'exclude fewer classes',
    });
  const out = await prepareOutputDir(req.out, { dataRoot: ds.root });
  try {
    let t = Date.now();
    const data = await labelled(session, ds, classes);
    const embedS = (Date.now() - t) / 1000;
    if (session.stopRequested)
      throw new PetlabError('stopped before training started', { hint: 'nothing was saved; run again (embeddings computed so far are cached)' });
    const options: PairsHeadOptions = { ...PAIRS_DEFAULTS, ...req.options };
    session.opts.onEvent?.({
      type: 'phase',
      phase: 'train',
      message: `training a pairs head on ${count(data.y.length, 'image')} of ${count(classes.length, 'class', 'classes')}${excluded.size ? ` (${excluded.size} excluded)` : ''}, ${count(options.epochs, 'epoch')} of ${options.pairsPerEpoch} pairs`,
      epochs: options.epochs,
    });
    t = Date.now();
    const call = session.pool.main.call('pairsTrain', { x: data.x, y: data.y, dim: data.dim, options }, { onEvent: session.opts.onEvent });
    session.trackCall(call);
    const { history, stopped } = await call;
    const trainS = (Date.now() - t) / 1000;
    const names = classes.map((c) => ds.classes[c]);
    if (!stopped) {
      session.opts.onEvent?.({ type: 'phase', phase: 'save', message: `saving the pairs model to ${req.out}` });
      const meta: PairsModelMeta = {
        format: 'petlab-model',
        version: 1,
        kind: 'pairs',
        createdAt: new Date().toISOString(),
        classes: names,
        excluded: [...excluded].map((c) => ds.classes[c]),
        backbone: { ref: bb.ref, source: bb.source, spec: bb.spec, fineTuned: false },
        head: { hiddenUnits: options.hiddenUnits, dropout: 0, outputs: 'logits' },
        pairs: options,
        training: { ...options, backend: session.backendName, resize: session.opts.resize, images: data.y.length },
        dataset: {
          root: ds.root,
          layout: ds.layout,
          seed: ds.seed,
          valFraction: ds.valFraction,
          splitSource: ds.splitSource,
          counts: { train: data.y.length, val: 0, test: 0 },
        },
        complete: true,
        epochsDone: history.length,
        history: history.map((h) => ({ ...h, phase: 'pairs' })),
      };
      await session.pool.main.call('pairsSave', { dir: path.resolve(req.out), meta });
    }
    return {
      modelDir: req.out,
      classes: names,
      excluded: [...excluded].map((c) => ds.classes[c]),
      images: data.y.length,
      history,
      stopped,
      timings: { embed: embedS, train: trainS },
    };
  } finally {
    await out.release();
  }
}

/** Load a pairs model's backbone (unless loaded) and its head into the main worker. */
export async function loadPairs(session: Session, dir: string): Promise<PairsModelMeta> {
  const meta = await readPairsMeta(dir);
  const resize = (meta.training.resize as typeof session.opts.resize | undefined) ?? session.opts.resize;
  if (resize !== session.opts.resize) {
    session.opts.resize = resize;
    session.backbone = undefined; // its fingerprint includes the resize mode
  }
  const swapped = await loadModelBackbone(session, dir, meta);
  if (swapped) session.opts.onEvent?.({ type: 'warning', code: 'other', message: `${swapped}: verdicts may be off` });
  await session.pool.main.call('pairsLoad', { dir, dim: session.requireBackbone().dim });
  return meta;
}

export interface PairsEvalRequest {
  modelDir: string;
  dataset: Dataset;
  /** restrict to these classes (default: all of the dataset's) */
  classes?: string[];
  ways: number;
  shots: number;
  episodes: number;
  seed: number;
}

export interface PairsEvalOutcome {
  /** fractions 0–1 of the queries classified right */
  accuracy: number;
  baseline: number;
  /** the same nearest neighbour after centring on the model's mean training embedding */
  centredBaseline: number;
  episodes: number;
  ways: number;
  shots: number;
  queries: number;
  classes: string[];
  /** classes of the episodes the head was trained on (a fair test has none) */
  seenInTraining: string[];
}

/** N-way K-shot episodes scored by the head, and by cosine nearest neighbour on the same pictures. */
export async function evalPairs(session: Session, req: PairsEvalRequest): Promise<PairsEvalOutcome> {
  const meta = await loadPairs(session, req.modelDir);
  const ds = req.dataset;
  const classes = req.classes?.length ? resolveClasses(req.classes, ds, '--classes') : ds.classes.map((_, i) => i);
  const data = await labelled(session, ds, classes);
  const episodes = makeEpisodes(data.y, ds.classes, { ways: req.ways, shots: req.shots, episodes: req.episodes, seed: req.seed });
  const { a, b } = episodePairs(episodes);
  session.opts.onEvent?.({
    type: 'phase',
    phase: 'evaluate',
    message: `${req.episodes} ${req.ways}-way ${req.shots}-shot episodes (${count(a.length, 'pair')}) on ${count(classes.length, 'class', 'classes')}`,
  });
  const call = session.pool.main.call('pairsScore', { x: data.x, dim: data.dim, a, b });
  session.trackCall(call);
  const probs = await call;
  const cosOf = (unit: Float32Array) => Float32Array.from(a, (q, i) => cosine(unit, data.dim, q, b[i]));
  const center = await session.pool.main.call('pairsCenter', undefined);
  const names = classes.map((c) => ds.classes[c]);
  const trained = new Set(meta.classes);
  return {
    accuracy: scoreEpisodes(episodes, probs, 'mean'),
    baseline: scoreEpisodes(episodes, cosOf(unitRows(data.x, data.dim)), 'max'),
    centredBaseline: scoreEpisodes(episodes, cosOf(unitRows(data.x, data.dim, center)), 'max'),
    episodes: episodes.length,
    ways: req.ways,
    shots: req.shots,
    queries: episodes.length * req.ways,
    classes: names,
    seenInTraining: names.filter((n) => trained.has(n)),
  };
}

export interface PairsVerdict {
  same: boolean;
  /** P(same class), 0–1 */
  probability: number;
  /** cosine similarity of the raw backbone embeddings */
  cosine: number;
}

/** Same class or not, for two pictures. */
export async function comparePairs(session: Session, modelDir: string, fileA: string, fileB: string): Promise<PairsVerdict> {
  await loadPairs(session, modelDir);
  const emb = await session.embed([fileA, fileB]);
  const bad = emb.failures[0];
  if (bad) throw new PetlabError(`cannot read ${bad.file}: ${bad.reason}`, { hint: 'give two pictures (jpg, png, ...)' });
  const [probability] = await session.pool.main.call('pairsScore', { x: emb.vectors, dim: emb.dim, a: Int32Array.of(0), b: Int32Array.of(1) });
  return { same: probability >= 0.5, probability, cosine: cosine(unitRows(emb.vectors, emb.dim), emb.dim, 0, 1) };
}
