import os from 'node:os';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import type { Dataset } from '../src/core/data/types.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { parseUnfreeze } from '../src/core/backbones/segments.js';
import { runFineTune } from '../src/core/fine-tune-run.js';
import { crossValidateEmbeddings, type CrossValidation } from '../src/core/cross-validate.js';
import { gatherRows } from '../src/core/embed/rows.js';
import { FLIP } from '../src/core/images/views.js';
import { stratifiedFolds } from '../src/core/train/folds.js';
import { headEpochsBeforeFineTune } from '../src/core/train/recipe.js';
import { fineTuneSeconds } from '../src/core/train/fine-tune-advice.js';
import type { HeadOptions } from '../src/core/train/head.js';
import { defaultSettings } from '../src/core/settings.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { defaultHead, pairedGain } from './accuracy.js';
import { heading, row, SHARED, tempCache, timed } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
const SEED = 42;
const envInt = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);

/**
 * `npm run bench -- fine-tune-cv`: does fine-tuning beat the frozen head under cross-validation?
 * On the same stratified, seeded folds: petlab's default frozen head (config/settings.json, flip
 * + TTA) against `train --fine-tune` (the default short frozen phase, then the top of the backbone,
 * flip TTA at validation), per fold, with the paired gain. A reduced form, because each fold
 * fine-tunes anew: K folds (PETLAB_FTCV_FOLDS, default 3), E fine-tuning epochs (PETLAB_FTCV_EPOCHS,
 * default 2) and V cached views (PETLAB_FTCV_VIEWS, default 2: the picture and its mirror image),
 * against the default 5 epochs and 4 views. Also prints the measured per-image rates.
 */
export async function benchFineTuneCv(opts: { datasets: Array<{ name: string; dir: string }> }): Promise<void> {
  const k = envInt('PETLAB_FTCV_FOLDS', 3);
  const ftEpochs = envInt('PETLAB_FTCV_EPOCHS', 2);
  const views = envInt('PETLAB_FTCV_VIEWS', 2);
  const only = process.env.PETLAB_BENCH_DATASETS;
  const datasets = opts.datasets.filter((d) => !only || only.split(',').some((p) => d.name.startsWith(p.trim())));
  const s = defaultSettings();
  const rc = s.fineTune;
  const workers = defaultWorkerCount();
  const cacheDir = process.env.PETLAB_CACHE_DIR || tempCache('ftcv');
  const work = tempCache('ftcv-models');
  const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
  try {
    const source = await sourceFromPath(BACKBONE);
    for (const d of datasets) {
      await session.loadBackboneSource(BACKBONE, source);
      const ds = await scanDataset(d.dir, { seed: SEED, valFraction: 0.2 });
      const items = ds.items.filter((i) => i.split !== 'test');
      const files = items.map((i) => i.file);
      const plain = await session.embed(files);
      const flip = await session.embed(files, { view: FLIP });
      const rows = items.map((_, i) => i).filter((i) => plain.ok[i] && flip.ok[i]);
      // this run's embedding rate (0 when every picture came from the cache)
      const embedRate = plain.stats.computed ? plain.stats.imagesPerSecond : flip.stats.computed ? flip.stats.imagesPerSecond : 0;
      const y = Int32Array.from(rows.map((r) => items[r].label));
      heading(
        `${d.name}: fine-tuning vs frozen head, ${k}-fold (seed ${SEED}), ${rows.length} pictures; fine-tune ${ftEpochs} epochs of the top ${rc.unfreeze}, ${views} views, flip TTA (load ${loadavg()})`,
      );
      const head: HeadOptions = defaultHead(ds.classes.length);
      const [frozen, frozenS] = await timed(() =>
        crossValidateEmbeddings(
          session,
          { x: gatherRows(plain.vectors, plain.dim, rows), y, dim: plain.dim },
          { head, k, seed: SEED, flipped: gatherRows(flip.vectors, flip.dim, rows), flipTrain: s.flip, classNames: ds.classes },
        ),
      );
      row(`frozen head (default: ${s.epochs} epochs, flip + TTA)`, `${cvText(frozen)}  [${frozenS.toFixed(1)} s for ${k} folds]`);
      const folds = stratifiedFolds(y, k, SEED);
      const accs: CrossValidation['folds'] = [];
      let featureS = 0;
      let trainRate = 0;
      let ftS = 0;
      for (const [f, val] of folds.entries()) {
        await session.loadBackboneSource(BACKBONE, source); // the previous fold loaded its fine-tuned backbone
        const inVal = new Set(val.map((j) => rows[j]));
        const foldDs: Dataset = { ...ds, items: rows.map((r) => ({ ...items[r], split: inVal.has(r) ? 'val' : 'train' })) };
        const out = path.join(work, `${d.name.replace(/\W+/g, '-')}-${f}`);
        const nTrain = rows.length - val.length;
        const [ft, secs] = await timed(async () => {
          await session.trainHead({
            dataset: foldDs,
            out,
            head: { ...head, epochs: headEpochsBeforeFineTune(nTrain, s.batchSize, rc), flip: false },
          });
          return runFineTune(session, {
            dataset: foldDs,
            out,
            unfreeze: parseUnfreeze(rc.unfreeze),
            views,
            tta: true,
            resume: false,
            options: {
              epochs: ftEpochs,
              batchSize: rc.batchSize,
              learningRate: rc.learningRate,
              lrFloor: rc.lrFloor,
              weightDecay: 0.01,
              labelSmoothing: 0,
              dropout: s.dropout,
              schedule: 'one-cycle',
              seed: SEED + f,
              patience: 0,
              microBatch: rc.microBatch,
              ema: rc.ema,
            },
          });
        });
        const m = ft.metrics!;
        accs.push({ n: m.n, correct: Math.round(m.accuracy * m.n), accuracy: m.accuracy });
        featureS += ft.timings.features;
        trainRate += ft.trainImagesPerSecond / k;
        ftS += secs;
        // the workbench's estimate of the same run (core/train/fine-tune-advice.ts), from the embedding rate
        const est = fineTuneSeconds({ trainImages: nTrain, valImages: val.length, epochs: ftEpochs, views, embedRate: embedRate || undefined });
        row(
          `  fold ${f + 1}: fine-tuned ${pct(m.accuracy)} vs frozen ${pct(frozen.folds[f].accuracy)}`,
          `${secs.toFixed(0)} s, the workbench estimates ${est.seconds.toFixed(0)} s (frozen features ${ft.timings.features.toFixed(0)} s${f ? ', cached' : ''}; ${ft.trainImagesPerSecond.toFixed(1)} training images/s)`,
        );
      }
      const mean = accs.reduce((a, b) => a + b.accuracy, 0) / k;
      const sd = Math.sqrt(accs.reduce((a, b) => a + (b.accuracy - mean) ** 2, 0) / Math.max(1, k - 1));
      const tuned = { ...frozen, mean, std: sd, min: Math.min(...accs.map((a) => a.accuracy)), max: Math.max(...accs.map((a) => a.accuracy)), folds: accs };
      const g = pairedGain(frozen, tuned);
      row(`fine-tuned (${ftEpochs} epochs, ${views} views, flip TTA)`, `${cvText(tuned)}  [${ftS.toFixed(0)} s for ${k} folds]`);
      row('  fine-tuning over the frozen head (per fold ± se)', `${g.mean >= 0 ? '+' : ''}${(g.mean * 100).toFixed(2)} ± ${(g.se * 100).toFixed(2)} points`);
      row(
        '  measured rates',
        `embedding ${plain.stats.computed ? `${plain.stats.imagesPerSecond.toFixed(1)} images/s` : 'cached'}; frozen features ${((rows.length * views) / Math.max(1e-9, featureS)).toFixed(1)} views/s (cache reused after fold 1); fine-tuning ${trainRate.toFixed(1)} training images/s`,
      );
    }
  } finally {
    await session.close();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const cvText = (c: { mean: number; std: number; min: number; max: number }) => `${pct(c.mean)} ± ${(c.std * 100).toFixed(2)} (${pct(c.min)}–${pct(c.max)})`;
const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
