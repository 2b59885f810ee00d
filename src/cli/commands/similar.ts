import path from 'node:path';
import { scanDataset } from '../../core/data/scan.js';
import { resolveBackbone } from '../../core/backbones/resolve.js';
import { runSimilar } from '../../core/review/similar.js';
import { UsageError } from '../../core/errors.js';
import { int, SESSION_OPTIONS, str, type Command } from '../command.js';
import { resolveDataArg } from '../data-arg.js';
import { cacheDir, openSession, resizeMode, stopOnSigint } from '../session-from-flags.js';

export const similarCommand: Command = {
  name: 'similar',
  summary: 'the pictures of a dataset nearest to a picture (cosine on the embeddings)',
  usage: 'petlab similar --data DIR IMG [--top K] [--backbone NAME|PATH] [--json]',
  allowPositionals: true,
  options: {
    data: { type: 'string', arg: 'DIR', description: 'dataset folder' },
    backbone: { type: 'string', arg: 'NAME|PATH', description: 'backbone (default: mobilenet_v2)' },
    top: { type: 'string', arg: 'K', description: 'how many neighbours (default 10)' },
    resize: { type: 'string', arg: 'MODE', description: 'cover, fill or crop (default cover)' },
    ...SESSION_OPTIONS,
  },
  details: 'IMG may be a picture of the dataset (it is left out of its own neighbours) or a new photo.',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    if (ctx.positionals.length !== 1) throw new UsageError(`give one picture, got ${ctx.positionals.length}`, 'usage: petlab similar --data DIR IMG');
    const k = int(ctx, 'top', 10, 1);
    const root = await resolveDataArg(ctx);
    const ds = await scanDataset(root, { valFraction: s.valSplit, seed: s.seed, onEvent: r.event });
    const ref = str(ctx, 'backbone') ?? s.backbone;
    const source = await resolveBackbone(ref, { cacheDir: cacheDir(ctx), mirror: s.mirror || undefined, onEvent: r.event });
    const session = await openSession(ctx, { resize: resizeMode(ctx) });
    const unhook = stopOnSigint(session, () => r.note('\nstopping…'));
    try {
      await session.loadBackboneSource(ref, source);
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
    } finally {
      unhook();
      await session.close();
    }
  },
};
