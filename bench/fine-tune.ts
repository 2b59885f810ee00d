import path from 'node:path';
import { Session } from '../src/core/session.js';
import { itemsOf, scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { parseUnfreeze } from '../src/core/backbones/segments.js';
import { runFineTune } from '../src/core/fine-tune-run.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { benchHead, heading, peakRssMb, row, SHARED, tempCache, timed } from './lib.js';
import { defaultSettings } from '../src/core/settings.js';
import { headEpochsBeforeFineTune } from '../src/core/train/recipe.js';
import { loadAverage, peerFigure, ratioText } from './peer.js';
import { FASTAI_MINUTES, FULL_PETS, minutes, projectFullPets } from './pets-projection.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite');

/** The recipe of `petlab train --fine-tune`, from config/settings.json: the bench measures what users get. */
export const DEFAULT_RECIPE = defaultSettings().fineTune;
export type Recipe = typeof DEFAULT_RECIPE;

/** the fine-tuning run validates each picture with its mirror image (flip TTA), as by default */
const FLIP_TTA = DEFAULT_RECIPE.tta;
/** views of each validation picture: it and, with TTA, its mirror image */
const VAL_VIEWS = FLIP_TTA ? 2 : 1;

/**
 * Frozen backbone vs fine-tuned top of MobileNetV2 on the same seeded 80/20 split (wasm): accuracy
 * of both, wall time of each phase, training images/s through the unfrozen part, peak RSS.
 */
export async function benchFineTune(opts: { datasets: Array<{ name: string; dir: string }>; recipe?: Recipe }): Promise<void> {
  const rc = opts.recipe ?? DEFAULT_RECIPE;
  const workers = defaultWorkerCount();
  // PETLAB_BENCH_SEED: another training seed (init, order, random views), to tell a change from noise
  const seed = Number(process.env.PETLAB_BENCH_SEED ?? 42);
  const only = process.env.PETLAB_BENCH_DATASETS;
  for (const d of opts.datasets.filter((x) => !only || only.split(',').some((p) => x.name.startsWith(p.trim())))) {
    const ds = await scanDataset(d.dir, { seed: 42, valFraction: 0.2 });
    const headEpochs = headEpochsBeforeFineTune(itemsOf(ds, 'train').length, 64, rc);
    heading(
      `fine-tuning: ${d.name} (wasm, ${workers} workers; frozen run vs head ${headEpochs} epochs then top ${rc.unfreeze} for ${rc.epochs} epochs, ${rc.views} views, flip TTA)`,
    );
    const cacheDir = tempCache('ft');
    const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
    try {
      const pointwise = session.pool.backend?.pointwise ? "; fine-tuning's 1x1 convolutions: ONNX Runtime" : '';
      row('backbone inference (embeddings, frozen features)', `${session.pool.inferenceName}${pointwise}; the rest of training on wasm`);
      await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
      const head = benchHead;
      // the baseline: the frozen-backbone run of `petlab train` (20 epochs), same split
      const [base, baseS] = await timed(() => session.trainHead({ dataset: ds, out: path.join(cacheDir, 'frozen'), head: head(20) }));
      const baseTta = await session.evaluate(ds, 'val', { tta: true });
      const rssFrozen = peakRssMb();
      row('frozen run: embed (decode + backbone)', `${base.embed.seconds.toFixed(1)} s (${base.embed.imagesPerSecond.toFixed(1)} images/s)`);
      row('frozen run: train head (20 epochs) + evaluate', `${(baseS - base.embed.seconds).toFixed(1)} s`);
      // the recipe: a few frozen epochs, then fine-tuning
      const out = path.join(cacheDir, 'model');
      const [headRes, headS] = await timed(() => session.trainHead({ dataset: ds, out, head: head(headEpochs) }));
      row(`phase 1: head on cached embeddings (${headEpochs} epochs)`, `${headS.toFixed(1)} s (val acc ${pct(headRes.metrics?.accuracy)})`);
      const ft = await runFineTune(session, {
        dataset: ds,
        out,
        unfreeze: parseUnfreeze(rc.unfreeze),
        views: rc.views,
        tta: FLIP_TTA,
        resume: false,
        options: {
          epochs: rc.epochs,
          batchSize: rc.batchSize,
          learningRate: rc.learningRate,
          lrFloor: rc.lrFloor,
          weightDecay: 0.01,
          labelSmoothing: 0,
          dropout: 0.2,
          schedule: 'one-cycle',
          seed,
          patience: rc.patience,
          microBatch: rc.microBatch,
          ema: rc.ema,
        },
      });
      const p = ft.plan;
      row(
        'phase 2: unfrozen',
        `top ${p.blocks}/${p.totalBlocks} blocks: ${p.trainableLayers.length} layers from ${p.trainableLayers[0]}, ${(p.trainableParams / 1e6).toFixed(2)}M of ${(p.totalParams / 1e6).toFixed(2)}M params (${Math.round(p.layerShare * 100)}% of the weighted layers)`,
      );
      // the lower part per picture and view, against the whole backbone per picture of the frozen run
      const nTrain = itemsOf(ds, 'train').length;
      const nVal = itemsOf(ds, 'val').length;
      const featureRate = (nTrain * rc.views + nVal * VAL_VIEWS) / ft.timings.features;
      row(
        'phase 2: frozen features (both workers)',
        `${ft.timings.features.toFixed(1)} s (${featureRate.toFixed(1)} picture-views/s, ${(featureRate / base.embed.imagesPerSecond).toFixed(2)}x the embedding's pace; ${loadAverage()})`,
      );
      // the same views of the same pictures (PIL decode, torchvision's crops and jitter) through PyTorch's lower part
      const viewLines = interleave(
        itemsOf(ds, 'train').map((i) => `${i.file}\t${rc.views}`),
        itemsOf(ds, 'val').map((i) => `${i.file}\t${VAL_VIEWS}`),
      );
      const peerViews = await peerFigure('views', { batch: 32, blocks: p.blocks, seconds: 20, files: viewLines });
      row(`  vs PyTorch, the same views through the lower part (float)`, `${ratioText(featureRate, peerViews)} (${loadAverage()})`);
      row('phase 2: fine-tune epochs', `${ft.timings.fineTune.toFixed(1)} s (${ft.history.map((h) => `${h.seconds.toFixed(0)}s`).join(', ')})`);
      row('phase 2: reload + evaluate the saved model', `${ft.timings.evaluate.toFixed(1)} s`);
      // the steps apart from validation, each against the same work in PyTorch, right after
      const epochs = ft.history.length;
      const stepS = ft.history.reduce((a, h) => a + (h.trainSeconds ?? h.seconds), 0);
      const valS = ft.history.reduce((a, h) => a + h.seconds, 0) - stepS;
      const valRows = nVal * VAL_VIEWS;
      const stepRate = (epochs * nTrain) / stepS;
      row(
        'training images/s through the unfrozen part',
        `${stepRate.toFixed(1)} (forward + backward + AdamW, ${workers} workers; the epochs' steps, validation apart; ${loadAverage()})`,
      );
      const peer = await peerFigure('top', { batch: rc.batchSize, blocks: p.blocks, classes: ds.classes.length, seconds: 25 });
      row(`  vs PyTorch, top ${p.blocks}/${p.totalBlocks} blocks, batch ${rc.batchSize}`, `${ratioText(stepRate, peer)} (${loadAverage()})`);
      const valRate = (epochs * valRows) / valS;
      row(
        'validation, each epoch',
        `${(valS / epochs).toFixed(1)} s (${valRows} rows: ${nVal} pictures${FLIP_TTA ? ' and their mirror images' : ''}, ${valRate.toFixed(1)} rows/s)`,
      );
      const peerVal = await peerFigure('top-eval', { batch: 32, blocks: p.blocks, classes: ds.classes.length, seconds: 10 });
      row('  vs PyTorch, the same forward, batch 32', `${ratioText(valRate, peerVal)} (${loadAverage()})`);
      // an epoch's wall time against PyTorch's steps and validation at the rates just measured
      const peerEpoch = peer && peerVal ? nTrain / peer.imagesPerSecond + valRows / peerVal.imagesPerSecond : undefined;
      row(
        'epoch wall, steps + validation',
        `${((stepS + valS) / epochs).toFixed(1)} s (${ft.trainImagesPerSecond.toFixed(1)} training images/s)${peerEpoch ? `; PyTorch at the rates above ${peerEpoch.toFixed(1)} s → petlab ${(peerEpoch / ((stepS + valS) / epochs)).toFixed(2)}x` : ''}`,
      );
      row('validation accuracy, frozen backbone (20 epochs)', `${pct(base.metrics?.accuracy)} (flip TTA: ${pct(baseTta.metrics.accuracy)})`);
      row(
        'validation accuracy, fine-tuned (flip TTA)',
        `${pct(ft.metrics?.accuracy)} (${Math.round((ft.metrics?.accuracy ?? 0) * (ft.metrics?.n ?? 0))}/${ft.metrics?.n})`,
      );
      row('per-epoch val acc (fine-tune)', ft.history.map((h) => pct(h.valAcc)).join(' → '));
      row('peak RSS so far (process, workers included)', `${peakRssMb().toFixed(0)} MB (target < 2048 MB; ${rssFrozen.toFixed(0)} MB after the frozen run)`);
      const full = projectFullPets({
        train: nTrain,
        val: nVal,
        embed: base.embed.seconds,
        frozenHead: baseS - base.embed.seconds,
        head: headS,
        ...ft.timings,
      });
      row(
        `full Oxford-IIIT Pet (${FULL_PETS.pictures} pictures), projected`,
        `frozen ${minutes(full.frozen)}, fine-tuned ${minutes(full.fineTuned)} (target < 10 min) vs fastai ${FASTAI_MINUTES} min on a 6-core laptop; from this run's per-picture costs, ${workers} workers (${loadAverage()})`,
      );
    } finally {
      await session.close();
    }
  }
}

/** a and b merged evenly (a 20 s peer run sees the mix of the whole phase, not a's first pictures only) */
function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  const n = a.length + b.length;
  for (let i = 0, j = 0; out.length < n;) {
    if (j >= b.length || (i < a.length && i * b.length <= j * a.length)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

function pct(x: number | null | undefined): string {
  return x == null ? '–' : `${(x * 100).toFixed(2)}%`;
}
