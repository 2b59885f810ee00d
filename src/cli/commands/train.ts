import { headEpochsBeforeFineTune } from '../../core/train/recipe.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EmbeddingCache, inferenceKey } from '../../core/embed/cache.js';
import { itemsOf, printable, scanDataset } from '../../core/data/scan.js';
import { reviewSummary } from '../../core/data/review-decisions.js';
import { count } from '../../text/plural.js';
import { resolveBackbone } from '../../core/backbones/resolve.js';
import { PetlabError, UsageError } from '../../core/errors.js';
import { parseUnfreeze, type UnfreezeSpec } from '../../core/backbones/segments.js';
import type { ResizeMode } from '../../core/backbones/spec.js';
import { runFineTune, type FineTuneOutcome } from '../../core/fine-tune-run.js';
import { readSavedModelMeta, type SavedModelMeta } from '../../core/model/meta.js';
import { differingClasses, runPoint, type RunPoint } from '../../core/model/run-state.js';
import { holdsFinishedRun, runDirOf } from '../../core/model/run-folder.js';
import { datasetNote, reportStopped, resumeNote } from './train-notes.js';
import { assertFreeSpace, assertWritableDir, prepareOutputDir } from '../../core/io/output-dir.js';
import type { Session } from '../../core/session.js';
import { bool, float, int, SESSION_OPTIONS, str, type Command } from '../command.js';
import { duration, pct } from '../../text/format.js';
import { cacheDir, openSession, resizeMode, stopOnSigint } from '../session-from-flags.js';
import { resolveDataArg } from '../data-arg.js';
import { crossValidate, type CrossValidation } from '../../core/cross-validate.js';
import { runRefit } from './train-refit.js';
import { finishKilledSwap, finishResumedRefit, noteReplacedRunBeside, refitMarkOf, resumedDataset } from './train-resume.js';
import { refitByDefault, refitPlanOf } from '../../core/refit.js';

import { cvReport, metricsReport } from './train-report.js';

export { metricsReport };

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a classifier on a folder of images with a pretrained backbone (optionally fine-tune it)',
  usage:
    'petlab train --data DIR [--backbone NAME|PATH] [--epochs N] [--lr X] [--batch N] [--seed N] [--val-split F] [--out DIR] [--fine-tune E [--unfreeze N|P%|all]] [--cv K] [--refit|--no-refit] [--resume] [--json]',
  options: {
    data: {
      type: 'string',
      arg: 'DIR',
      description: 'dataset folder (class subfolders, train/ val/ folders, or Oxford-IIIT Pet); default: the oxford-pets dataset',
    },
    backbone: { type: 'string', arg: 'NAME|PATH', description: 'registry name (see `petlab models`), .tflite, model.json or folder (default: mobilenet_v2)' },
    epochs: {
      type: 'string',
      arg: 'N',
      description: 'epochs of head training with the backbone frozen (default 80; before --fine-tune at least 3 epochs and 100 steps)',
    },
    lr: { type: 'string', arg: 'X', description: 'peak learning rate of the one-cycle schedule (default 0.003)' },
    'no-flip': { type: 'boolean', description: 'train the head on the pictures only, not their mirror images too (then no flip TTA by default)' },
    batch: { type: 'string', arg: 'N', description: 'training batch size (default 64)' },
    seed: { type: 'string', arg: 'N', description: 'seed of the split, initial weights, shuffling and augmentation (default 42)' },
    'val-split': { type: 'string', arg: 'F', description: 'fraction held out for validation when the folder has no split (default 0.2)' },
    out: { type: 'string', arg: 'DIR', description: 'where to save the model: a new or empty folder, or a petlab model (default: ./models/<data>-<backbone>)' },
    hidden: { type: 'string', arg: 'N', description: 'units of an optional hidden layer in the head (default 0: linear head)' },
    dropout: { type: 'string', arg: 'F', description: 'dropout before each head layer (default 0.2)' },
    'weight-decay': { type: 'string', arg: 'F', description: 'decoupled weight decay (default 0.01)' },
    'label-smoothing': { type: 'string', arg: 'F', description: 'label smoothing (default 0)' },
    'fine-tune': { type: 'string', arg: 'E', description: 'after the frozen epochs, unfreeze the top of the backbone and fine-tune it for E epochs' },
    unfreeze: {
      type: 'string',
      arg: 'N|P%|all',
      description: 'what fine-tuning trains: the top N blocks, the top P% of the weighted layers, or all (default 30%)',
    },
    'ft-lr': { type: 'string', arg: 'X', description: 'peak learning rate of fine-tuning (default 0.0003)' },
    'lr-floor': { type: 'string', arg: 'F', description: 'discriminative rates: the lowest unfrozen block learns at ft-lr × F (default 0.3)' },
    'ft-batch': { type: 'string', arg: 'N', description: 'fine-tuning batch size (default 64)' },
    'micro-batch': { type: 'string', arg: 'N', description: 'largest batch run at once on the backend; bigger batches accumulate gradients (default 32)' },
    views: {
      type: 'string',
      arg: 'V',
      description: 'cached views per training image when fine-tuning: 1 plain, 2 + mirror, more + random crops with colour jitter (default 4)',
    },
    tta: { type: 'boolean', description: 'validate a fine-tuning run with flip test-time augmentation (the default: fineTune.tta), and predict with it later' },
    'no-tta': { type: 'boolean', description: 'validate a fine-tuning run on the pictures alone; its model then predicts without flip TTA' },
    ema: { type: 'string', arg: 'D', description: 'fine-tuning keeps a moving average of the weights with this decay per step, and saves it (default 0: off)' },
    'early-stop': { type: 'string', arg: 'N', description: 'stop fine-tuning when validation loss has not improved for N epochs' },
    resume: { type: 'boolean', description: 'continue the interrupted run into --out (its checkpoint is there, or beside it if --out holds a finished model)' },
    'input-range': { type: 'string', arg: 'LO,HI', description: 'override the backbone input range, e.g. 0,1' },
    resize: { type: 'string', arg: 'MODE', description: 'cover (centred square, default), fill (squash the whole picture) or crop (central 87.5%)' },
    'embed-batch': { type: 'string', arg: 'N', description: 'images per backbone batch (default 16, at most 64)' },
    cv: {
      type: 'string',
      arg: 'K',
      description: 'also report K-fold cross-validated accuracy of the frozen head (stratified, seeded, from cached embeddings)',
    },
    refit: {
      type: 'boolean',
      description:
        'after validating, train once more on train + validation with the same choices and save that model (default for a frozen head on a small dataset)',
    },
    'no-refit': { type: 'boolean', description: 'save the validated model even on a small dataset' },
    ...SESSION_OPTIONS,
  },
  details:
    'Embeddings are cached (keyed by file content and backbone): a second run skips the backbone.\n' +
    'A checkpoint is written at the end of every epoch. Ctrl-C stops within 2 s and keeps the last one;\n' +
    "`petlab train --out DIR --resume` continues from it (data, backbone and options default to the run's).\n" +
    'When DIR holds a finished model, the checkpoints go beside it (.DIR.in-progress): the model is replaced only when the run finishes.',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    const resume = bool(ctx, 'resume');
    const outArg = str(ctx, 'out');
    let saved: SavedModelMeta | undefined;
    let point: RunPoint | undefined;
    // where the interrupted run is: --out, or beside it when --out holds a finished model (core/model/run-folder.ts)
    let runDir: string | undefined;
    if (resume) {
      if (!outArg) throw new UsageError('--resume needs --out DIR: the folder of the interrupted run');
      runDir = await runDirOf(path.resolve(outArg));
      saved = await readSavedModelMeta(runDir).catch(() => {
        throw new PetlabError(`nothing to resume in ${outArg}: no checkpoint there`, { hint: 'start the run without --resume' });
      });
      point = await runPoint(runDir, saved);
      if (point.phase === 'complete' && (runDir !== path.resolve(outArg) || refitPlanOf(saved))) return finishKilledSwap(ctx.reporter, runDir, outArg, saved);
      if (point.phase === 'complete')
        throw new PetlabError(`the run in ${outArg} is already complete`, { hint: 'train again without --resume, or into another --out' });
    }
    const tr = (saved?.training ?? {}) as Record<string, unknown>;
    const ft0 = (tr.fineTune ?? {}) as Record<string, unknown>;
    const num = (k: string, d: number) => (typeof tr[k] === 'number' ? (tr[k] as number) : d);
    const dataDir = str(ctx, 'data') ?? saved?.dataset.root ?? (await resolveDataArg(ctx));
    const backboneRef = str(ctx, 'backbone') ?? saved?.backbone.ref ?? s.backbone;
    const seed = int(ctx, 'seed', saved?.dataset.seed ?? s.seed, 0);
    const valFraction = float(ctx, 'val-split', saved?.dataset.valFraction ?? s.valSplit, 0, 1, false);
    const ftd = s.fineTune;
    const ftEpochs = int(ctx, 'fine-tune', typeof ft0.epochs === 'number' ? ft0.epochs : 0, 0, 10000);
    const head = {
      // fastai's recipe: when fine-tuning follows, a short frozen phase first (0: settled once the dataset is scanned)
      epochs: int(ctx, 'epochs', num('epochs', ftEpochs ? 0 : s.epochs), 1, 10000),
      learningRate: float(ctx, 'lr', num('learningRate', s.learningRate), 1e-7, 10),
      batchSize: int(ctx, 'batch', num('batchSize', s.batchSize), 1, 65536),
      hiddenUnits: int(ctx, 'hidden', num('hiddenUnits', s.hiddenUnits), 0, 100000),
      dropout: float(ctx, 'dropout', num('dropout', s.dropout), 0, 1, false),
      weightDecay: float(ctx, 'weight-decay', num('weightDecay', 0.01), 0, 1),
      labelSmoothing: float(ctx, 'label-smoothing', num('labelSmoothing', 0), 0, 1, false),
      schedule: 'one-cycle' as const,
      seed,
      // mirror images for the frozen head (not the short phase before fine-tuning, whose views do it)
      flip: !bool(ctx, 'no-flip') && !ftEpochs && (typeof tr.flip === 'boolean' ? tr.flip : s.flip),
    };
    const unfreeze = parseUnfreeze(str(ctx, 'unfreeze') ?? (ft0.unfreeze ? unfreezeText(ft0.unfreeze as UnfreezeSpec) : ftd.unfreeze));
    if (str(ctx, 'unfreeze') && !ftEpochs) throw new UsageError('--unfreeze needs --fine-tune E (the number of fine-tuning epochs)');
    const ftNum = (k: string, d: number) => (typeof ft0[k] === 'number' ? (ft0[k] as number) : d);
    const ft = {
      epochs: ftEpochs,
      learningRate: float(ctx, 'ft-lr', ftNum('learningRate', ftd.learningRate), 1e-8, 1),
      lrFloor: float(ctx, 'lr-floor', ftNum('lrFloor', ftd.lrFloor), 1e-4, 1),
      batchSize: int(ctx, 'ft-batch', ftNum('batchSize', ftd.batchSize), 1, 4096),
      microBatch: int(ctx, 'micro-batch', ftNum('microBatch', ftd.microBatch), 1, 128),
      weightDecay: head.weightDecay,
      labelSmoothing: head.labelSmoothing,
      dropout: head.dropout,
      schedule: 'one-cycle' as const,
      seed,
      patience: int(ctx, 'early-stop', ftNum('patience', ftd.patience), 0, 1000),
      ema: float(ctx, 'ema', ftNum('ema', ftd.ema), 0, 0.99999),
    };
    const views = int(ctx, 'views', ftNum('views', ftd.views), 1, 16);
    if (bool(ctx, 'tta') && bool(ctx, 'no-tta')) throw new UsageError('--tta and --no-tta contradict each other', 'give one of them');
    // a resumed run keeps its own choice
    const tta = bool(ctx, 'tta') || (!bool(ctx, 'no-tta') && ftEpochs > 0 && (typeof ft0.tta === 'boolean' ? ft0.tta : ftd.tta));
    const cvK = str(ctx, 'cv') ? int(ctx, 'cv', 5, 2, 100) : 0;
    let refitAsked = bool(ctx, 'refit');
    if (refitAsked && bool(ctx, 'no-refit')) throw new UsageError('--refit and --no-refit contradict each other', 'give one of them');
    if (refitAsked && resume) throw new UsageError('--refit cannot be combined with --resume yet', 'resume the run, then train again with --refit');
    if (int(ctx, 'embed-batch', s.embedBatchSize, 1, 4096) > 64)
      throw new UsageError('--embed-batch above 64 would not fit the wasm heap (4 GB)', 'use 64 or less; throughput does not improve beyond ~16');
    const resize = str(ctx, 'resize') ? resizeMode(ctx) : ((tr.resize as ResizeMode | undefined) ?? resizeMode(ctx));
    // Every option is checked before any work (not after the frozen phase).
    if (ftEpochs && unfreeze.kind === 'none')
      throw new UsageError(
        `--unfreeze ${str(ctx, 'unfreeze') ?? '0'} trains no layer of the backbone, so there is nothing to fine-tune`,
        'e.g. --unfreeze 2 (blocks), --unfreeze 30% or --unfreeze all; or leave out --fine-tune',
      );
    if (saved && str(ctx, 'backbone') && !sameBackboneRef(backboneRef, saved.backbone.ref)) {
      throw new UsageError(
        `--resume continues the run in ${outArg} with its backbone ${saved.backbone.ref}, not ${backboneRef}`,
        'leave out --backbone, or train anew into another --out',
      );
    }
    const t0 = Date.now();
    // The output folder before anything else: never replace what is not petlab's (and hold it).
    let prepared = outArg ? await prepareOutputDir(outArg, { dataRoot: dataDir }) : undefined;
    try {
      // Scan before starting TensorFlow: a wrong folder is reported at once.
      // skipped files are reported as found; a resumed refit trains on train + validation
      const ds = resumedDataset(await scanDataset(dataDir, { valFraction, seed, onEvent: r.event }), saved);
      const applied = reviewSummary(ds);
      if (applied) r.note(applied);
      const differ = saved ? differingClasses(saved.classes, ds.classes) : undefined;
      if (differ) {
        const parts = [
          differ.onlyInData.length ? `${ds.root} has ${differ.onlyInData.join(', ')}` : '',
          differ.onlyInRun.length ? `the run has ${differ.onlyInRun.join(', ')}` : '',
        ].filter(Boolean);
        throw new PetlabError(`--resume: the classes of ${ds.root} differ from the run's in ${outArg} (${parts.join('; ')})`, {
          hint: "resume on the run's dataset (leave out --data), or train anew into another --out",
        });
      }
      // a frozen head on a small dataset refits by default (README: "Honest accuracy on small datasets")
      const refitAuto = !refitAsked && !bool(ctx, 'no-refit') && !resume && !ftEpochs && refitByDefault(ds);
      refitAsked ||= refitAuto;
      if (head.epochs === 0) head.epochs = headEpochsBeforeFineTune(itemsOf(ds, 'train').length, head.batchSize, ftd);
      // Resolve (and if needed download) the backbone before starting TensorFlow, too.
      const source = await resolveBackbone(backboneRef, {
        cacheDir: cacheDir(ctx),
        mirror: s.mirror || undefined,
        onEvent: r.event,
        inputRange: str(ctx, 'input-range'),
      });
      prepared ??= await prepareOutputDir(path.join('models', `${path.basename(ds.root)}-${source.name}`), { dataRoot: ds.root });
      for (const c of prepared.cleaned) r.note(`removed ${c}, left by a run that was killed while saving`);
      if (!resume) await noteReplacedRunBeside(r, prepared.dir);
      await assertWritableDir(cacheDir(ctx), 'the cache', 'choose a writable cache with --cache-dir DIR or PETLAB_CACHE_DIR');
      const session = await openSession(ctx, { resize });
      let interrupted = false;
      const unhook = stopOnSigint(session, () => {
        interrupted = true;
        r.note('\nstopping (Ctrl-C again to quit at once); the last checkpoint is kept…');
      });
      try {
        const bb = await session.loadBackboneSource(backboneRef, source);
        const out = prepared.dir;
        if (saved && bb.spec.fingerprint !== saved.backbone.spec.fingerprint) {
          throw new PetlabError(
            `--resume: the backbone ${backboneRef} is not the one the run in ${outArg} was trained with (${bb.dim}-d features${saved.backbone.spec.name !== bb.spec.name ? `, ${bb.spec.name} instead of ${saved.backbone.spec.name}` : ''}; its files changed?)`,
            { hint: "resume with the run's backbone, or train anew into another --out" },
          );
        }
        await assertRunFits(session, { out, cacheDir: cacheDir(ctx), images: ds.items.length, classes: ds.classes.length, fineTune: ftEpochs > 0 });
        const resumedRefit = !!saved && !!refitPlanOf(saved);
        r.note(datasetNote(ds, { refit: resumedRefit }));
        if (point) r.note(resumeNote(point, out, runDir ?? out, { refit: resumedRefit }));
        let headRes: Awaited<ReturnType<typeof session.trainHead>> | undefined;
        if (point?.phase !== 'fine-tune') {
          headRes = await session.trainHead({
            dataset: ds,
            head,
            out,
            extraMeta: { cacheDir: cacheDir(ctx), ...(ftEpochs ? { fineTune: { ...ft, unfreeze, views, tta } } : {}), ...refitMarkOf(saved) },
            resume: point?.phase === 'head',
          });
          if (headRes.stopped || interrupted)
            return reportStopped(r, { out, checkpointDir: headRes.checkpointDir, phase: 'head', epochsDone: headRes.history.length, epochs: head.epochs });
        } else {
          await session.loadModel(runDir ?? out);
        }
        let ftRes: FineTuneOutcome | undefined;
        if (ftEpochs > 0) {
          ftRes = await runFineTune(session, {
            dataset: ds,
            out,
            unfreeze,
            views,
            tta,
            options: ft,
            resume: point?.phase === 'fine-tune' && point.epochsDone > 0,
            runDir: headRes ? headRes.checkpointDir : runDir,
          });
          if (ftRes.stopped || interrupted)
            return reportStopped(r, {
              out,
              checkpointDir: ftRes.checkpointDir,
              phase: 'fine-tune',
              epochsDone: ftRes.history.at(-1)?.epoch ?? 0,
              epochs: ft.epochs,
            });
        }
        const metrics = ftRes?.metrics ?? headRes?.metrics;
        // a resumed refit has no validation pictures: its figures are the validated run's
        const figures = metrics ?? (saved && refitPlanOf(saved)?.metrics);
        let cv: CrossValidation | undefined;
        if (cvK) cv = await crossValidate(session, { dataset: ds, head, k: cvK, seed, tta, embedded: headRes?.embedded });
        const refit =
          (await finishResumedRefit(out, saved)) ??
          (refitAsked && headRes
            ? await runRefit(session, r, {
                dataset: ds,
                head,
                out,
                headRes,
                ftRes,
                fineTune: ftEpochs ? { options: ft, unfreeze, views, tta } : undefined,
                metrics,
                extraMeta: { cacheDir: cacheDir(ctx), ...(ftEpochs ? { fineTune: { ...ft, unfreeze, views, tta } } : {}) },
                backbone: { ref: backboneRef, source },
              })
            : undefined);
        if (refit === 'stopped' || interrupted) {
          r.note(`stopped while refitting on train + validation: ${out} holds the validated model (not refitted); train again to refit`);
          r.result({ command: 'train', stopped: true, modelDir: out, refitted: false, epochsDone: 0 });
          return 130;
        }
        const e = headRes?.embed;
        const skipped = headRes?.skipped ?? ds.skipped;
        r.print(
          [
            e
              ? `embedded ${count(e.total - e.failed, 'image')}${(e.views ?? 1) > 1 ? ' and their mirror images' : ''} in ${duration(e.seconds)}: ${e.cacheHits} from cache, ${e.computed} computed${e.computed ? ` at ${e.imagesPerSecond.toFixed(1)} images/s` : ''}${e.failed ? `; ${e.failed} could not be read` : ''}`
              : '',
            headRes?.metrics && ftRes ? `frozen backbone: validation accuracy ${pct(headRes.metrics.accuracy)}` : '',
            ftRes
              ? `fine-tuned the top ${ftRes.plan.blocks}/${ftRes.plan.totalBlocks} blocks (${ftRes.plan.trainableLayers.length} layers, ${(ftRes.plan.trainableParams / 1e6).toFixed(2)}M parameters) for ${count(ftRes.history.length, 'epoch')} at ${ftRes.trainImagesPerSecond.toFixed(1)} images/s; frozen features took ${duration(ftRes.timings.features)}${ftRes.earlyStopped ? ' (stopped early)' : ''}`
              : '',
            figures ? metricsReport(figures, `validation${(ftRes ? tta : head.flip) ? ' (flip TTA)' : ''}`) : 'no validation images: accuracy not measured',
            cv ? `\n${cvReport(cv, headRes?.metrics)}` : '',
            refit
              ? `\nrefitted on all ${refit.trainedOn} pictures (train + validation, ${count(refit.epochs, 'epoch')}${refit.fineTuneEpochs ? ` + ${refit.fineTuneEpochs} fine-tuning` : ''}${refitAuto ? ', the default on a small dataset; --no-refit keeps the validated model' : ''}): the saved model; the validation figures above are the validated run's`
              : refitAsked
                ? '\n--refit: no validation pictures, so the model already trained on all of them'
                : '',
            skipped.length ? `\nskipped ${count(skipped.length, 'file')}:\n${skipped.map((k) => `  ${printable(k.file)}: ${k.reason}`).join('\n')}` : '',
            `\nmodel saved to ${out}  (${duration((Date.now() - t0) / 1000)} in all)`,
          ]
            .filter(Boolean)
            .join('\n'),
        );
        r.result({
          command: 'train',
          modelDir: out,
          backend: session.backendName,
          classes: ds.classes,
          history: headRes?.history ?? [],
          frozenMetrics: headRes?.metrics ?? null,
          fineTune: ftRes
            ? {
                history: ftRes.history,
                plan: ftRes.plan,
                trainImagesPerSecond: ftRes.trainImagesPerSecond,
                timings: ftRes.timings,
                earlyStopped: ftRes.earlyStopped,
              }
            : null,
          metrics: figures ?? null,
          embed: e ?? null,
          skipped,
          cv: cv ?? null,
          refit: refit ?? null,
          timings: {
            ...(headRes?.timings ?? {}),
            ...(ftRes ? { features: ftRes.timings.features, fineTune: ftRes.timings.fineTune } : {}),
            total: (Date.now() - t0) / 1000,
          },
        });
        return 0;
      } finally {
        unhook();
        await session.close();
      }
    } finally {
      await prepared?.release();
    }
  },
};

function sameBackboneRef(a: string, b: string): boolean {
  return a === b || path.resolve(a) === path.resolve(b);
}

/** Free space for the checkpoints in --out (two copies during a swap, three beside a finished model) and the embeddings in the cache. */
async function assertRunFits(session: Session, o: { out: string; cacheDir: string; images: number; classes: number; fineTune: boolean }): Promise<void> {
  const bb = session.requireBackbone();
  const backboneParams = bb.layers.reduce((a, l) => a + l.params, 0);
  // float32 weights + Adam's two moments, twice (the new checkpoint is written before the old goes), beside a finished model that stays
  const model = (o.fineTune ? backboneParams : 0) + bb.dim * o.classes;
  const copies = (await holdsFinishedRun(o.out)) ? 3 : 2;
  await assertFreeSpace(path.dirname(o.out), copies * 3 * 4 * model + 1e6, `saving the model in ${o.out}`, 'free some space there, or choose another --out');
  // what the cache file already holds (a second run on the same pictures) is not written again
  const cached = (await fs.stat(EmbeddingCache.fileFor(o.cacheDir, inferenceKey(bb.spec.fingerprint, bb.int8))).catch(() => undefined))?.size ?? 0;
  await assertFreeSpace(
    o.cacheDir,
    o.images * (33 + 4 * bb.dim) - cached,
    'the embedding cache',
    'free some space there, or move the cache with --cache-dir DIR or PETLAB_CACHE_DIR',
  );
}

function unfreezeText(u: UnfreezeSpec): string {
  return u.kind === 'all' ? 'all' : u.kind === 'percent' ? `${u.p}%` : u.kind === 'blocks' ? String(u.n) : '0';
}

export function ensure(cond: unknown, msg: string, hint?: string): asserts cond {
  if (!cond) throw new PetlabError(msg, { hint });
}

export { bool };
