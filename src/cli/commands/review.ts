import path from 'node:path';
import { NEAR_DUPLICATE_DISTANCE, REVIEW_EPOCHS, REVIEW_LEARNING_RATE, runReview, type ReviewResult } from '../../core/review/run.js';
import { count } from '../../text/plural.js';
import { bool, float, int, SESSION_OPTIONS, type Command, type CommandContext } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { resolveDataArg } from '../data-arg.js';
import { backboneOption, dataOption, datasetSplit, resizeOption, seedOption, withDatasetSession } from '../dataset-session.js';

/** The human report: the top suspects, then the duplicate pairs, paths relative to the dataset. */
export function reviewText(res: ReviewResult, root: string, top: number): string {
  const rel = (f: string) => path.relative(root, f) || f;
  const doubted = res.suspects.filter((s) => s.score > 0).length;
  const lines = [
    `${count(res.items.length, 'picture')} reviewed by ${res.folds}-fold cross-validation: out-of-fold accuracy ${(res.accuracy * 100).toFixed(1)}%, the model prefers another label for ${count(doubted, 'picture')}`,
  ];
  lines.push('', `suspects (most suspicious first; score = p(suggested) - p(label)):`);
  const shown = res.suspects.slice(0, top);
  const w = Math.max(4, ...shown.map((s) => rel(s.file).length));
  for (const s of shown) lines.push(`  ${s.score.toFixed(3).padStart(6)}  ${rel(s.file).padEnd(w)}  ${s.label} → ${s.suggested}`);
  const dups = res.duplicates.slice(0, top);
  lines.push(
    '',
    res.duplicates.length
      ? `duplicates (${res.duplicates.length}; ${res.duplicates.filter((d) => d.exact).length} same bytes, ${res.duplicates.filter((d) => d.leak).length} across splits):`
      : 'no duplicates found',
  );
  for (const d of dups)
    lines.push(
      `  ${d.exact ? ' same bytes' : d.distance.toFixed(4).padStart(11)}  ${rel(d.files[0])}  ${rel(d.files[1])}${d.leak ? `  (${d.splits.join('/')}: leaks)` : ''}`,
    );
  if (res.duplicates.length > dups.length) lines.push(`  … ${res.duplicates.length - dups.length} more (--top N, or --json for all)`);
  return lines.join('\n');
}

export const reviewCommand: Command = {
  name: 'review',
  summary: 'find mislabelled pictures (cross-validated suspects) and duplicates in a dataset',
  usage: 'petlab review --data DIR [--backbone NAME|PATH] [--top N] [--folds K] [--json]\n       petlab review --data DIR --undo [--all]',
  options: {
    data: dataOption(),
    backbone: backboneOption(),
    top: { type: 'string', arg: 'N', description: 'suspects and duplicate pairs to show (default 20; --json has them all)' },
    folds: { type: 'string', arg: 'K', description: 'folds of the cross-validation (default 5)' },
    'max-distance': {
      type: 'string',
      arg: 'D',
      description: `cosine distance under which two pictures are near-duplicates (default ${NEAR_DUPLICATE_DISTANCE})`,
    },
    epochs: { type: 'string', arg: 'N', description: `epochs of each fold head (default ${REVIEW_EPOCHS})` },
    seed: seedOption('seed of the folds and heads (default 42)'),
    resize: resizeOption(),
    undo: { type: 'boolean', description: "undo the workbench's last review decision (.petlab-review.json): a moved picture moves back" },
    all: { type: 'boolean', description: 'with --undo: undo every decision, the latest first' },
    ...SESSION_OPTIONS,
  },
  details:
    'Every picture is judged by a head that never saw it: the cached embeddings are split into K stratified folds\nand a head is trained on the others for each. A suspect is a picture whose out-of-fold prediction prefers\nanother label (score > 0). Duplicates are pictures with the same bytes or almost the same embedding,\nwithin a split or across splits (a leak). Nothing is changed on disk.\nThe decisions of the workbench (a: the file moves into the suggested class folder; x: excluded, the file stays)\nare journaled in DIR/.petlab-review.json; --undo takes back the last one (--all: every one).',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    const split = datasetSplit(ctx);
    const top = int(ctx, 'top', 20, 1);
    const folds = int(ctx, 'folds', 5, 2, 50);
    const maxDistance = float(ctx, 'max-distance', NEAR_DUPLICATE_DISTANCE, 0, 2);
    if (bool(ctx, 'undo')) return undoCommand(ctx, path.resolve(await resolveDataArg(ctx)));
    if (bool(ctx, 'all')) throw new UsageError('--all goes with --undo', 'petlab review --data DIR --undo --all');
    return withDatasetSession(ctx, split, async (session, ds) => {
      const head = {
        epochs: int(ctx, 'epochs', REVIEW_EPOCHS, 1, 10000),
        learningRate: REVIEW_LEARNING_RATE,
        batchSize: s.batchSize,
        hiddenUnits: s.hiddenUnits,
        dropout: s.dropout,
        weightDecay: 0.01,
        labelSmoothing: 0,
        schedule: 'one-cycle' as const,
        seed: split.seed,
      };
      const res = await runReview(session, { dataset: ds, head, folds, maxDistance });
      r.print(reviewText(res, ds.root, top));
      r.result({
        command: 'review',
        pictures: res.items.length,
        folds: res.folds,
        accuracy: res.accuracy,
        suspects: res.suspects.map((x) => ({ file: x.file, label: x.label, suggested: x.suggested, score: x.score, loss: x.loss })),
        duplicates: res.duplicates.map((d) => ({ files: d.files, distance: d.distance, exact: d.exact, splits: d.splits, leak: d.leak })),
        skipped: res.skipped,
        timings: res.timings,
      });
      return 0;
    });
  },
};

/** --undo: the latest decision of the journal (or all of them), said one line each. */
async function undoCommand(ctx: CommandContext, root: string): Promise<number> {
  const { undoDecisions } = await import('../../core/review/undo.js');
  const { journalFile } = await import('../../core/review/journal.js');
  const rel = (f: string) => path.relative(root, f);
  const res = await undoDecisions(root, bool(ctx, 'all') ? Infinity : 1);
  const lines = res.undone.map((d) =>
    d.kind === 'move' ? `undone: ${rel(d.to)} → ${rel(d.from)} (back in ${d.label})` : `undone: ${rel(d.file)} is back in the dataset (was excluded)`,
  );
  ctx.reporter.print([...(lines.length ? lines : ['nothing to undo']), `${count(res.left, 'decision')} left in ${journalFile(root)}`].join('\n'));
  ctx.reporter.result({
    command: 'review',
    undone: res.undone.map((d) => (d.kind === 'move' ? d : { kind: d.kind, file: d.file, label: d.label })),
    left: res.left,
  });
  return 0;
}
