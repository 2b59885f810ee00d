import os from 'node:os';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import type { Dataset } from '../src/core/data/types.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { crossValidateEmbeddings, type CrossValidateOptions, type CrossValidation } from '../src/core/cross-validate.js';
import { gatherRows } from '../src/core/embed/rows.js';
import { FLIP } from '../src/core/images/views.js';
import type { HeadOptions, LabelledEmbeddings } from '../src/core/train/head.js';
import { defaultSettings } from '../src/core/settings.js';
import { refitByDefault } from '../src/core/refit.js';
import { heading, row, SHARED, tempCache, timed } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
const K = 5;
const SEED = 42;

/** petlab's frozen-head recipe, from config/settings.json (what `petlab train` uses). */
export function defaultHead(numClasses: number): HeadOptions {
  const s = defaultSettings();
  return {
    numClasses,
    epochs: s.epochs,
    learningRate: s.learningRate,
    batchSize: s.batchSize,
    hiddenUnits: s.hiddenUnits,
    dropout: s.dropout,
    weightDecay: 0.01,
    labelSmoothing: 0,
    schedule: 'one-cycle',
    seed: SEED,
    flip: s.flip,
  };
}

/** The recipe before the cross-validated one (petlab 0.1's settings): 20 epochs, 1e-3, no mirror images. */
function previousHead(numClasses: number): HeadOptions {
  return { ...defaultHead(numClasses), epochs: 20, learningRate: 1e-3, flip: false };
}

/** The baseline: a plain linear head, Adam 1e-3, batch 64, 50 epochs, no tricks. */
function plainHead(numClasses: number): HeadOptions {
  return {
    numClasses,
    epochs: 50,
    learningRate: 1e-3,
    batchSize: 64,
    hiddenUnits: 0,
    dropout: 0,
    weightDecay: 0,
    labelSmoothing: 0,
    schedule: 'constant',
    seed: SEED,
  };
}

interface Variant {
  name: string;
  head?: Partial<HeadOptions>;
  /** flip TTA at validation; default: as head.flip */
  tta?: boolean;
}

/**
 * One change at a time from the default recipe (refitted: every fold trains on all its pictures);
 * only with PETLAB_BENCH_VARIANTS (a prefix list, or "all"): each is a full cross-validation.
 * The README's table was measured from the previous default (20 epochs, 1e-3, no flip).
 */
export const VARIANTS: Variant[] = [
  { name: 'no flip (plain training, no TTA)', head: { flip: false } },
  { name: 'flip-augmented training, no TTA', tta: false },
  { name: 'head: small MLP (256 hidden)', head: { hiddenUnits: 256 } },
  { name: 'epochs 50', head: { epochs: 50 } },
  { name: 'epochs 120', head: { epochs: 120 } },
  { name: 'learning rate 1e-3', head: { learningRate: 1e-3 } },
  { name: 'learning rate 1e-2', head: { learningRate: 1e-2 } },
  { name: 'dropout 0', head: { dropout: 0 } },
  { name: 'label smoothing 0.1', head: { labelSmoothing: 0.1 } },
  { name: 'class-balanced loss', head: { balanced: true } },
];

interface Embedded {
  name: string;
  data: LabelledEmbeddings;
  flipped: Float32Array;
  classes: string[];
  /** whether `petlab train` refits on this dataset by default (a small one) */
  refits: boolean;
}

async function embedDataset(session: Session, name: string, ds: Dataset): Promise<Embedded> {
  const items = ds.items.filter((i) => i.split !== 'test');
  const files = items.map((i) => i.file);
  const plain = await session.embed(files);
  const flip = await session.embed(files, { view: FLIP });
  const rows = items.map((_, i) => i).filter((i) => plain.ok[i] && flip.ok[i]);
  return {
    name,
    classes: ds.classes,
    refits: refitByDefault(ds),
    data: { x: gatherRows(plain.vectors, plain.dim, rows), y: Int32Array.from(rows.map((r) => items[r].label)), dim: plain.dim },
    flipped: gatherRows(flip.vectors, flip.dim, rows),
  };
}

/** Cross-validation options of a head: with flip, mirror images in training and flip TTA (as `train`). */
function recipe(e: Embedded, head: HeadOptions, tta = head.flip === true): Partial<CrossValidateOptions> & { head: HeadOptions } {
  return { head, flipped: tta || head.flip ? e.flipped : undefined, flipTrain: head.flip === true, tta };
}

function withVariant(e: Embedded, v: Variant): Partial<CrossValidateOptions> & { head: HeadOptions } {
  const head = { ...defaultHead(e.classes.length), ...v.head };
  return recipe(e, head, v.tta ?? head.flip === true);
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const cvText = (c: CrossValidation) => `${pct(c.mean)} ± ${(c.std * 100).toFixed(2)} (${pct(c.min)}–${pct(c.max)})`;

/** Per-fold gain of b over a (the same folds): mean and its standard error. */
export function pairedGain(a: CrossValidation, b: CrossValidation): { mean: number; se: number } {
  const d = a.folds.map((f, i) => b.folds[i].accuracy - f.accuracy);
  const mean = d.reduce((x, y) => x + y, 0) / d.length;
  const sd = Math.sqrt(d.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, d.length - 1));
  return { mean, se: sd / Math.sqrt(d.length) };
}

const gainText = (g: { mean: number; se: number }) => `${g.mean >= 0 ? '+' : ''}${(g.mean * 100).toFixed(2)} ± ${(g.se * 100).toFixed(2)}`;

/**
 * `npm run bench -- accuracy`: 5-fold cross-validated accuracy (stratified, seeded) of frozen-head
 * recipes on cached embeddings, side by side from the same run: a plain linear head, petlab's
 * previous default and its default (config/settings.json), each as it trains (20% held out for
 * validation) and refitted on all the fold's pictures. With PETLAB_BENCH_VARIANTS, one change at a
 * time from the default: kept when its per-fold gain is positive on every dataset and above its
 * standard error on at least one.
 */
export async function benchAccuracy(opts: { datasets: Array<{ name: string; dir: string }> }): Promise<void> {
  // PETLAB_BENCH_DATASETS / PETLAB_BENCH_VARIANTS: comma-separated name prefixes, to run a part
  const pick = (env: string | undefined, name: string) => !env || env === 'all' || env.split(',').some((p) => name.startsWith(p.trim()));
  const datasets = opts.datasets.filter((d) => pick(process.env.PETLAB_BENCH_DATASETS, d.name));
  const variants = process.env.PETLAB_BENCH_VARIANTS ? VARIANTS.filter((v) => pick(process.env.PETLAB_BENCH_VARIANTS, v.name)) : [];
  const workers = defaultWorkerCount();
  const cacheDir = process.env.PETLAB_CACHE_DIR || tempCache('accuracy');
  const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
  try {
    await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
    const sets: Embedded[] = [];
    for (const d of datasets) {
      const [e, s] = await timed(async () => embedDataset(session, d.name, await scanDataset(d.dir, { seed: SEED, valFraction: 0.2 })));
      sets.push(e);
      row(`embedded ${d.name}`, `${e.data.y.length} pictures + mirror images, ${e.classes.length} classes, ${s.toFixed(1)} s`);
    }
    const cv = (e: Embedded, o: Partial<CrossValidateOptions> & { head: HeadOptions }) =>
      crossValidateEmbeddings(session, e.data, { k: K, seed: SEED, classNames: e.classes, ...o });
    const d0 = defaultSettings();
    const summary: string[] = [];
    // per dataset: the baselines, then (if asked) the recipe table. The first dataset (fine-grained,
    // thin classes) screens the changes; the others run only those that gained there.
    const gains = new Map<string, { mean: number; se: number }[]>();
    const cells = new Map<string, string[]>();
    for (const [i, e] of sets.entries()) {
      heading(`${e.name}: ${K}-fold cross-validated accuracy (seed ${SEED}), frozen MobileNetV2 features, load ${loadavg()}`);
      const nc = e.classes.length;
      const [plain, s1] = await timed(() => cv(e, { head: plainHead(nc) }));
      const oldHeld = await cv(e, { ...recipe(e, previousHead(nc)), trainShare: 0.8 });
      const oldRefit = await cv(e, recipe(e, previousHead(nc)));
      const [held, s2] = await timed(() => cv(e, { ...recipe(e, defaultHead(nc)), trainShare: 0.8 }));
      const refit = await cv(e, recipe(e, defaultHead(nc)));
      row('plain linear head (Adam 1e-3, 50 epochs, all)', `${cvText(plain)}  [${s1.toFixed(1)} s]`);
      row('previous default (20 epochs, 1e-3), 20% held out', cvText(oldHeld));
      row('previous default, --refit (all pictures)', cvText(oldRefit));
      const what = `${d0.epochs} epochs, lr ${d0.learningRate}${d0.flip ? ', flip + TTA' : ''}`;
      row(`default (${what}), 20% held out`, `${cvText(held)}  [${s2.toFixed(1)} s]`);
      row('default, --refit (all pictures)', `${cvText(refit)}  refit gain ${gainText(pairedGain(held, refit))}`);
      row('  default --refit vs plain', gainText(pairedGain(plain, refit)));
      row('  default --refit vs previous default --refit', gainText(pairedGain(oldRefit, refit)));
      // what `petlab train` does by default on this dataset: refit when it is small
      const dflt = e.refits ? refit : held;
      summary.push(
        `${e.name}: plain ${cvSd(plain)}; default (${e.refits ? 'refitted, a small dataset' : '20% held out, no refit'}) ${cvSd(dflt)}, ${gainText(pairedGain(plain, dflt))} per fold`,
      );
      if (variants.length) process.stdout.write(`  one change from the default (refitted): accuracy (paired gain ± se, points)\n`);
      for (const v of variants) {
        const list = gains.get(v.name) ?? [];
        const cl = cells.get(v.name) ?? [];
        gains.set(v.name, list);
        cells.set(v.name, cl);
        if (i > 0 && list[0].mean <= 0) {
          cl.push('(not run: no gain above)');
          continue;
        }
        const r = await cv(e, withVariant(e, v));
        const g = pairedGain(refit, r);
        list.push(g);
        cl.push(`${pct(r.mean)} (${gainText(g)})`);
        row(`  ${v.name}`, cl.at(-1)!);
      }
    }
    if (variants.length) {
      heading(`recipe table: one change from the default (refitted), ${K}-fold, accuracy (paired gain ± se)`);
      process.stdout.write(`  ${'change'.padEnd(38)} ${sets.map((e) => e.name.padEnd(36)).join(' ')} verdict\n`);
      for (const v of variants) {
        const g = gains.get(v.name)!;
        const keep = g.length === sets.length && g.every((x) => x.mean > 0) && g.some((x) => x.mean > x.se);
        process.stdout.write(
          `  ${v.name.padEnd(38)} ${cells
            .get(v.name)!
            .map((c) => c.padEnd(36))
            .join(' ')} ${keep ? 'change the default' : 'no'}\n`,
        );
      }
    }
    heading(`summary (${K}-fold mean ± sd, load ${loadavg()})`);
    for (const l of summary) process.stdout.write(`  ${l}\n`);
  } finally {
    await session.close();
  }
}

const cvSd = (c: CrossValidation) => `${pct(c.mean)} ± ${(c.std * 100).toFixed(2)}`;
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
