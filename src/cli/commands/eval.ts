import path from 'node:path';
import { PetlabError, UsageError } from '../../core/errors.js';
import type { SplitSelector } from '../../core/data/types.js';
import { printable, scanDataset } from '../../core/data/scan.js';
import { reviewSummary } from '../../core/data/review-decisions.js';
import { readSavedModelMeta } from '../../core/model/meta.js';
import { modelFolderState } from '../../core/model/run-folder.js';
import { assertClassesKnown } from '../../core/eval/class-match.js';
import { SESSION_OPTIONS, int, str, type Command } from '../command.js';
import { openSession } from '../session-from-flags.js';
import { metricsReport } from './train.js';
import { interpretEvaluation } from '../../core/explain/interpretation.js';
import { interpretationReport } from './interpretation-report.js';
import { TTA_OPTIONS, ttaChoice } from './tta-flags.js';

const SPLITS: SplitSelector[] = ['all', 'train', 'val', 'test'];

export const evalCommand: Command = {
  name: 'eval',
  summary: 'measure a trained model on a folder of labelled images',
  usage: 'petlab eval --model DIR --data DIR [--split all|train|val|test] [--top-losses N] [--json]',
  options: {
    ...TTA_OPTIONS,
    model: { type: 'string', arg: 'DIR', description: 'model folder written by `petlab train`' },
    data: { type: 'string', arg: 'DIR', description: "labelled images whose class names match the model's" },
    split: { type: 'string', arg: 'NAME', description: "test (the folder's own test split) when there is one, else all; val = the seeded held-out part" },
    seed: { type: 'string', arg: 'N', description: "seed of the val split (default: the model's)" },
    'top-losses': { type: 'string', arg: 'N', description: 'also show the confusion matrix and the N images with the highest loss' },
    ...SESSION_OPTIONS,
  },
  async run(ctx) {
    const modelDir = str(ctx, 'model');
    const dataDir = str(ctx, 'data');
    if (!modelDir) throw new UsageError('--model DIR is required', 'give the folder written by `petlab train --out DIR`');
    if (!dataDir) throw new UsageError('--data DIR is required', 'give a folder of labelled images, e.g. one subfolder per class');
    const splitArg = str(ctx, 'split');
    if (splitArg && !SPLITS.includes(splitArg as SplitSelector)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}, got "${splitArg}"`);
    const tta = ttaChoice(ctx);
    const topLosses = ctx.values['top-losses'] === undefined ? undefined : int(ctx, 'top-losses', 10, 0, 100000);
    const meta0 = await readSavedModelMeta(modelDir);
    // a stopped run, or a re-train waiting beside the model
    const folder = await modelFolderState(modelDir, meta0);
    for (const n of folder.notes) ctx.reporter.note(n);
    const ds = await scanDataset(dataDir, {
      valFraction: meta0.dataset.valFraction,
      seed: int(ctx, 'seed', meta0.dataset.seed, 0),
      onEvent: ctx.reporter.event,
    });
    assertClassesKnown(ds.classes, ds.root, meta0.classes);
    const applied = reviewSummary(ds);
    if (applied) ctx.reporter.note(applied);
    const session = await openSession(ctx);
    try {
      const meta = await session.loadModel(modelDir);
      const hasTest = ds.items.some((i) => i.split === 'test');
      const split: SplitSelector = (splitArg as SplitSelector | undefined) ?? (hasTest ? 'test' : 'all');
      if (split === 'all' && path.resolve(ds.root) === path.resolve(meta.dataset.root) && !splitArg) {
        ctx.reporter.event({
          type: 'warning',
          code: 'other',
          message: `${ds.root} is the folder this model was trained on: evaluating every image includes training images (use --split val for the held-out part)`,
        });
      }
      const res = await session.evaluate(ds, split, { tta });
      if (res.skipped.length)
        ctx.reporter.print(`skipped ${res.skipped.length} file(s):\n${res.skipped.map((s) => `  ${printable(s.file)}: ${s.reason}`).join('\n')}`);
      ctx.reporter.print(metricsReport(res.metrics, (`${split === 'all' ? '' : split + ' '}`.trim() || 'overall') + (res.tta ? ' (flip TTA)' : '')));
      const interpretation =
        topLosses === undefined
          ? undefined
          : interpretEvaluation({ classes: meta.classes, files: res.items.map((i) => i.file), labels: res.labels, probs: res.probs }, { topLosses });
      if (interpretation) ctx.reporter.print('\n' + interpretationReport(interpretation));
      ctx.reporter.result({
        command: 'eval',
        model: path.resolve(modelDir),
        data: ds.root,
        split,
        tta: res.tta,
        metrics: res.metrics,
        skipped: res.skipped,
        ...(ds.review ? { review: ds.review } : {}),
        backend: session.backendName,
        ...(interpretation ? { interpretation } : {}),
        ...(folder.stopped ? { stoppedRun: folder.stopped } : {}),
        ...(folder.beside ? { runBeside: folder.beside } : {}),
      });
      return 0;
    } finally {
      await session.close();
    }
  },
};

export { PetlabError };
