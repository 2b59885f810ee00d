import path from 'node:path';
import { promises as fs } from 'node:fs';
import { scanDataset } from '../../core/data/scan.js';
import { PetlabError, UsageError } from '../../core/errors.js';
import { PAIRS_DEFAULTS } from '../../core/pairs/options.js';
import { comparePairs, evalPairs, trainPairs } from '../../core/pairs/run.js';
import { readPairsMeta } from '../../core/pairs/meta.js';
import { SESSION_OPTIONS, int, str, type Command, type CommandContext } from '../command.js';
import { pct } from '../../text/format.js';
import { backboneOption, dataOption, resizeOption, seedOption, withDatasetSession, withSession } from '../dataset-session.js';

const list = (ctx: CommandContext, name: string): string[] =>
  (str(ctx, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function need(ctx: CommandContext, name: string, hint: string): string {
  const v = str(ctx, name);
  if (!v) throw new UsageError(`--${name} is required`, hint);
  return v;
}

export const pairsTrainCommand: Command = {
  name: 'pairs train',
  summary: 'train a siamese pairs head (same class or not?) for one-shot recognition',
  usage: 'petlab pairs train --data DIR --out DIR [--exclude CLASS,CLASS...] [--backbone NAME|PATH] [--epochs N] [--seed N] [--json]',
  options: {
    data: dataOption('dataset folder (class subfolders, or Oxford-IIIT Pet); every split is used'),
    out: { type: 'string', arg: 'DIR', description: 'where to save the pairs model (a new or empty folder, or a petlab model)' },
    exclude: { type: 'string', arg: 'A,B,...', description: 'classes never shown to training (to test one-shot recognition on them)' },
    backbone: backboneOption('frozen backbone (default: mobilenet_v2)'),
    epochs: { type: 'string', arg: 'N', description: `epochs, each of fresh balanced pairs (default ${PAIRS_DEFAULTS.epochs})` },
    pairs: { type: 'string', arg: 'N', description: `pairs per epoch, half same, half different (default ${PAIRS_DEFAULTS.pairsPerEpoch})` },
    hidden: { type: 'string', arg: 'N', description: `units of the head's hidden layer (default ${PAIRS_DEFAULTS.hiddenUnits})` },
    seed: seedOption('seed of the pairs and initial weights (default 42)'),
    resize: resizeOption('cover (default), fill or crop'),
    ...SESSION_OPTIONS,
  },
  details: 'The head sees two embeddings of the frozen backbone (cached) as [|a-b|, a*b] and says P(same class).',
  async run(ctx) {
    const r = ctx.reporter;
    const out = need(ctx, 'out', 'give a new or empty folder for the pairs model');
    return withDatasetSession(ctx, { valFraction: 0, seed: int(ctx, 'seed', 42, 0) }, async (session, ds) => {
      const res = await trainPairs(session, {
        dataset: ds,
        out,
        exclude: list(ctx, 'exclude'),
        options: {
          epochs: int(ctx, 'epochs', PAIRS_DEFAULTS.epochs),
          pairsPerEpoch: int(ctx, 'pairs', PAIRS_DEFAULTS.pairsPerEpoch, 2),
          hiddenUnits: int(ctx, 'hidden', PAIRS_DEFAULTS.hiddenUnits, 1, 4096),
          seed: int(ctx, 'seed', 42, 0),
        },
      });
      if (res.stopped) throw new PetlabError('stopped: the pairs model was not saved', { hint: 'run again' });
      const last = res.history.at(-1);
      r.print(
        `pairs model saved to ${out}: ${res.images} pictures of ${res.classes.length} classes${res.excluded.length ? `, ${res.excluded.length} excluded (${res.excluded.join(', ')})` : ''}; training pair accuracy ${last ? pct(last.acc) : 'n/a'}, ${res.timings.train.toFixed(1)} s`,
      );
      r.result({
        command: 'pairs train',
        model: path.resolve(out),
        classes: res.classes,
        excluded: res.excluded,
        images: res.images,
        history: res.history,
        seconds: res.timings,
      });
      return 0;
    });
  },
};

export const pairsEvalCommand: Command = {
  name: 'pairs eval',
  summary: 'N-way K-shot accuracy of a pairs model, against cosine nearest neighbour',
  usage: 'petlab pairs eval --model DIR --data DIR --ways N --shots K [--episodes E] [--seed S] [--classes A,B,...] [--json]',
  options: {
    model: { type: 'string', arg: 'DIR', description: 'pairs model folder written by `petlab pairs train`' },
    data: { type: 'string', arg: 'DIR', description: 'labelled pictures whose classes the episodes are drawn from' },
    classes: { type: 'string', arg: 'A,B,...', description: 'only these classes of --data (e.g. the ones excluded from training)' },
    ways: { type: 'string', arg: 'N', description: 'classes per episode' },
    shots: { type: 'string', arg: 'K', description: 'example pictures per class per episode' },
    episodes: { type: 'string', arg: 'E', description: 'episodes, each with one query per class (default 200)' },
    seed: { type: 'string', arg: 'S', description: 'seed of the episodes (default 42)' },
    ...SESSION_OPTIONS,
  },
  details:
    'Accuracy and baseline are fractions 0–1 of the queries classified right: the head by the mean P(same)\n' +
    "over a class's K examples, the baseline by the nearest example in cosine similarity of the raw\n" +
    'backbone embeddings, on the same episodes.',
  async run(ctx) {
    const r = ctx.reporter;
    const modelDir = need(ctx, 'model', 'give the folder written by `petlab pairs train --out DIR`');
    const dataDir = need(ctx, 'data', 'give a folder of labelled pictures, e.g. one subfolder per class');
    const ways = int(ctx, 'ways', 0, 2);
    const shots = int(ctx, 'shots', 0, 1);
    if (!ways) throw new UsageError('--ways N is required (classes per episode)');
    if (!shots) throw new UsageError('--shots K is required (examples per class)');
    await readPairsMeta(modelDir); // a wrong --model is named before TensorFlow starts
    const ds = await scanDataset(dataDir, { valFraction: 0, seed: 42, onEvent: r.event });
    return withSession(ctx, async (session) => {
      const res = await evalPairs(session, {
        modelDir,
        dataset: ds,
        classes: list(ctx, 'classes'),
        ways,
        shots,
        episodes: int(ctx, 'episodes', 200),
        seed: int(ctx, 'seed', 42, 0),
      });
      if (res.seenInTraining.length)
        r.event({
          type: 'warning',
          code: 'other',
          message: `${res.seenInTraining.length} of the ${res.classes.length} classes were seen in training (${res.seenInTraining.slice(0, 4).join(', ')}${res.seenInTraining.length > 4 ? ', ...' : ''}): this is not a one-shot test for them`,
        });
      r.print(
        `${res.episodes} ${ways}-way ${shots}-shot episodes, ${res.queries} queries: pairs head ${pct(res.accuracy)}, cosine nearest neighbour ${pct(res.baseline)}`,
      );
      r.result({ command: 'pairs eval', model: path.resolve(modelDir), data: ds.root, ...res });
      return 0;
    });
  },
};

export const pairsCompareCommand: Command = {
  name: 'pairs compare',
  summary: 'say whether two pictures show the same class, with the probability',
  usage: 'petlab pairs compare --model DIR IMG_A IMG_B [--json]',
  allowPositionals: true,
  options: {
    model: { type: 'string', arg: 'DIR', description: 'pairs model folder written by `petlab pairs train`' },
    ...SESSION_OPTIONS,
  },
  async run(ctx) {
    const modelDir = need(ctx, 'model', 'give the folder written by `petlab pairs train --out DIR`');
    if (ctx.positionals.length !== 2)
      throw new UsageError(`give exactly two pictures, got ${ctx.positionals.length}`, 'usage: petlab pairs compare --model DIR IMG_A IMG_B');
    const [a, b] = ctx.positionals.map((f) => path.resolve(f));
    for (const f of [a, b])
      if (
        !(await fs.stat(f).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        throw new PetlabError(`image not found: ${f}`, { hint: 'check the path' });
    await readPairsMeta(modelDir);
    return withSession(ctx, async (session) => {
      const v = await comparePairs(session, modelDir, a, b);
      ctx.reporter.print(`${v.same ? 'same' : 'different'}: P(same class) ${pct(v.probability)} (cosine ${v.cosine.toFixed(3)})`);
      ctx.reporter.result({ command: 'pairs compare', model: path.resolve(modelDir), a, b, ...v });
      return 0;
    });
  },
};
