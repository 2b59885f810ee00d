import path from 'node:path';
import { runSimilar } from '../../core/review/similar.js';
import { UsageError } from '../../core/errors.js';
import { int, SESSION_OPTIONS, type Command } from '../command.js';
import { backboneOption, dataOption, resizeOption, withDatasetSession } from '../dataset-session.js';

export const similarCommand: Command = {
  name: 'similar',
  summary: 'the pictures of a dataset nearest to a picture (cosine on the embeddings)',
  usage: 'petlab similar --data DIR IMG [--top K] [--backbone NAME|PATH] [--json]',
  allowPositionals: true,
  options: {
    data: dataOption(),
    backbone: backboneOption(),
    top: { type: 'string', arg: 'K', description: 'how many neighbours (default 10)' },
    resize: resizeOption(),
    ...SESSION_OPTIONS,
  },
  details: 'IMG may be a picture of the dataset (it is left out of its own neighbours) or a new photo.',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    if (ctx.positionals.length !== 1) throw new UsageError(`give one picture, got ${ctx.positionals.length}`, 'usage: petlab similar --data DIR IMG');
    const k = int(ctx, 'top', 10, 1);
    return withDatasetSession(ctx, { valFraction: s.valSplit, seed: s.seed }, async (session, ds) => {
      const res = await runSimilar(session, { dataset: ds, image: ctx.positionals[0], k });
      const rel = (f: string) => path.relative(ds.root, f) || f;
      r.print(
        [
          `nearest to ${ctx.positionals[0]} (cosine distance):`,
          ...res.neighbours.map((n) => `  ${n.distance.toFixed(4)}  ${n.label.padEnd(12)}  ${rel(n.file)}`),
        ].join('\n'),
      );
      r.result({ command: 'similar', query: res.query, neighbours: res.neighbours });
      return 0;
    });
  },
};
