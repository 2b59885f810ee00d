import path from 'node:path';
import { itemsOf, scanDataset } from '../../core/data/scan.js';
import { resolveBackbone } from '../../core/backbones/resolve.js';
import { PetlabError } from '../../core/errors.js';
import type { Metrics } from '../../core/eval/metrics.js';
import { bool, float, int, SESSION_OPTIONS, str, type Command } from '../command.js';
import { duration, pct, table } from '../format.js';
import { cacheDir, openSession, resizeMode, stopOnSigint } from '../session-from-flags.js';
import { resolveDataArg } from '../data-arg.js';

export function metricsReport(m: Metrics, split: string, maxClasses = 50): string {
  const lines = [`${split} accuracy: ${pct(m.accuracy)} (${Math.round(m.accuracy * m.n)}/${m.n}), loss ${m.loss.toFixed(4)}`];
  const rows = [...m.perClass].sort((a, b) => a.accuracy - b.accuracy || a.name.localeCompare(b.name));
  lines.push('', 'per-class accuracy (worst first):', table(rows.slice(0, maxClasses).map((c) => [c.name, pct(c.accuracy, 1), `${c.correct}/${c.support}`]), ['class', 'accuracy', 'correct']));
  if (rows.length > maxClasses) lines.push(`  … ${rows.length - maxClasses} more classes (use --json for all)`);
  if (m.mostConfused.length) {
    lines.push('', 'most confused (actual → predicted):', table(m.mostConfused.map((p) => [p.actual, '→', p.predicted, p.count]), ['actual', '', 'predicted', 'count']));
  } else lines.push('', 'no confusions.');
  return lines.join('\n');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a classifier on a folder of images with a pretrained backbone',
  usage: 'petlab train --data DIR [--backbone NAME|PATH] [--epochs N] [--lr X] [--batch N] [--seed N] [--val-split F] [--out DIR] [--json]',
  options: {
    data: { type: 'string', arg: 'DIR', description: 'dataset folder (class subfolders, train/ val/ folders, or Oxford-IIIT Pet); default: the oxford-pets dataset' },
    backbone: { type: 'string', arg: 'NAME|PATH', description: 'registry name (see `petlab models`), .tflite, model.json or folder (default: mobilenet_v2)' },
    epochs: { type: 'string', arg: 'N', description: 'epochs of head training (default 20)' },
    lr: { type: 'string', arg: 'X', description: 'peak learning rate of the one-cycle schedule (default 0.001)' },
    batch: { type: 'string', arg: 'N', description: 'training batch size (default 64)' },
    seed: { type: 'string', arg: 'N', description: 'seed of the split, initial weights and shuffling (default 42)' },
    'val-split': { type: 'string', arg: 'F', description: 'fraction held out for validation when the folder has no split (default 0.2)' },
    out: { type: 'string', arg: 'DIR', description: 'where to save the model (default: ./models/<data>-<backbone>)' },
    hidden: { type: 'string', arg: 'N', description: 'units of an optional hidden layer in the head (default 0: linear head)' },
    dropout: { type: 'string', arg: 'F', description: 'dropout before each head layer (default 0.2)' },
    'weight-decay': { type: 'string', arg: 'F', description: 'decoupled weight decay (default 0.01)' },
    'label-smoothing': { type: 'string', arg: 'F', description: 'label smoothing (default 0)' },
    'input-range': { type: 'string', arg: 'LO,HI', description: 'override the backbone input range, e.g. 0,1' },
    resize: { type: 'string', arg: 'MODE', description: 'cover (centred square, default), fill (squash the whole picture) or crop (central 87.5%)' },
    'embed-batch': { type: 'string', arg: 'N', description: 'images per backbone batch (default 16)' },
    ...SESSION_OPTIONS,
  },
  details: 'Embeddings are cached (keyed by file content and backbone): a second run skips the backbone.\nCtrl-C stops after the current batch; the model folder keeps the last completed epoch.',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    const dataDir = await resolveDataArg(ctx);
    const backboneRef = str(ctx, 'backbone') ?? s.backbone;
    const seed = int(ctx, 'seed', s.seed, 0);
    const valFraction = float(ctx, 'val-split', s.valSplit, 0, 1, false);
    const head = {
      epochs: int(ctx, 'epochs', s.epochs, 1, 10000),
      learningRate: float(ctx, 'lr', s.learningRate, 1e-7, 10),
      batchSize: int(ctx, 'batch', s.batchSize, 1, 65536),
      hiddenUnits: int(ctx, 'hidden', s.hiddenUnits, 0, 100000),
      dropout: float(ctx, 'dropout', s.dropout, 0, 1, false),
      weightDecay: float(ctx, 'weight-decay', 0.01, 0, 1),
      labelSmoothing: float(ctx, 'label-smoothing', 0, 0, 1, false),
      schedule: 'one-cycle' as const,
      seed,
    };
    const resize = resizeMode(ctx);
    const t0 = Date.now();
    // Scan before starting TensorFlow: a wrong folder is reported at once.
    const ds = await scanDataset(dataDir, { valFraction, seed });
    for (const k of ds.skipped) r.event({ type: 'warning', code: 'skipped-file', message: `skipped ${k.file}: ${k.reason}`, file: k.file });
    // Resolve (and if needed download) the backbone before starting TensorFlow, too.
    const source = await resolveBackbone(backboneRef, { cacheDir: cacheDir(ctx), mirror: s.mirror || undefined, onEvent: r.event, inputRange: str(ctx, 'input-range') });
    const session = await openSession(ctx, { resize });
    let interrupted = false;
    const unhook = stopOnSigint(session, () => {
      interrupted = true;
      r.note('\nstopping after this batch (Ctrl-C again to quit at once)…');
    });
    try {
      const bb = await session.loadBackboneSource(backboneRef, source);
      const out = path.resolve(str(ctx, 'out') ?? path.join('models', `${path.basename(ds.root)}-${bb.spec.name}`));
      const nTrain = itemsOf(ds, 'train').length;
      const nVal = itemsOf(ds, 'val').length;
      r.note(`dataset: ${ds.root} (${ds.layout}): ${ds.classes.length} classes, ${nTrain} train / ${nVal} val${ds.splitSource === 'seeded' ? ` (seeded ${Math.round(valFraction * 100)}% split, seed ${seed})` : ' (split from the folder)'}${ds.skipped.length ? `, ${ds.skipped.length} skipped` : ''}`);
      const res = await session.trainHead({ dataset: ds, head, out, extraMeta: { cacheDir: cacheDir(ctx) } });
      const skipped = res.skipped;
      if (res.stopped || interrupted) {
        r.note(res.history.length ? `stopped: ${out} holds the model after epoch ${res.history.length}` : 'stopped before the first epoch finished: nothing saved');
        r.result({ command: 'train', stopped: true, modelDir: res.history.length ? out : null, epochsDone: res.history.length });
        return 130;
      }
      const e = res.embed;
      r.print(
        [
          `embedded ${e.total - e.failed} images in ${duration(e.seconds)}: ${e.cacheHits} from cache, ${e.computed} computed${e.computed ? ` at ${e.imagesPerSecond.toFixed(1)} images/s` : ''}${e.failed ? `; ${e.failed} could not be read` : ''}`,
          res.metrics ? metricsReport(res.metrics, 'validation') : 'no validation images: accuracy not measured',
          skipped.length ? `\nskipped ${skipped.length} file${skipped.length > 1 ? 's' : ''}:\n${skipped.map((k) => `  ${k.file}: ${k.reason}`).join('\n')}` : '',
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
        history: res.history,
        metrics: res.metrics ?? null,
        embed: res.embed,
        skipped,
        timings: { ...res.timings, total: (Date.now() - t0) / 1000 },
      });
      return 0;
    } finally {
      unhook();
      await session.close();
    }
  },
};

export function ensure(cond: unknown, msg: string, hint?: string): asserts cond {
  if (!cond) throw new PetlabError(msg, { hint });
}

export { bool };
