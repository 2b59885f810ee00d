import path from 'node:path';
import { scanDataset, classCounts, printable } from '../../core/data/scan.js';
import { describeSplit } from '../../core/data/report.js';
import { bool, float, int, type Command } from '../command.js';
import { decodeImage } from '../../core/images/decode.js';
import { isPetlabError } from '../../core/errors.js';
import { mapLimit } from '../../core/embed/embed-files.js';
import { ProgressMeter } from '../../core/progress.js';
import { table } from '../../text/format.js';
import { resolveDataArg } from '../data-arg.js';
import { count } from '../../text/plural.js';
import { reviewSummary } from '../../core/data/review-decisions.js';
import type { Dataset } from '../../core/data/types.js';

/** The review's decisions applied, with the excluded files named (a few). */
function reviewLine(ds: Dataset): string {
  const files = ds.review!.excludedFiles.map((f) => printable(path.relative(ds.root, f)));
  return `${reviewSummary(ds)}${files.length ? `: ${files.slice(0, 8).join(', ')}${files.length > 8 ? ', …' : ''}` : ''}`;
}

export const dataInfoCommand: Command = {
  name: 'data info',
  summary: 'show a dataset: classes, counts per class and split, skipped files',
  usage: 'petlab data info --data DIR [--val-split F] [--seed N] [--json]',
  options: {
    data: { type: 'string', arg: 'DIR', description: 'dataset folder' },
    'val-split': { type: 'string', arg: 'F', description: 'validation fraction when the folder has no split (default 0.2)' },
    seed: { type: 'string', arg: 'N', description: 'seed of the split (default 42)' },
    check: { type: 'boolean', description: 'decode every image to find the corrupt ones (slower)' },
  },
  async run(ctx) {
    const dir = await resolveDataArg(ctx);
    const ds = await scanDataset(dir, {
      valFraction: float(ctx, 'val-split', ctx.settings.valSplit, 0, 1, false),
      seed: int(ctx, 'seed', ctx.settings.seed, 0),
      onEvent: ctx.reporter.event,
    });
    if (bool(ctx, 'check')) {
      // decode each picture small: what cannot be decoded is listed with the other skipped files
      const meter = new ProgressMeter(ctx.reporter.event, 'scan', 'images', ds.items.length);
      let done = 0;
      const bad = new Set<string>();
      await mapLimit(ds.items, 8, async (it) => {
        try {
          await decodeImage(it.file, [16, 16], 'fill');
        } catch (e) {
          bad.add(it.file);
          ds.skipped.push({ file: it.file, reason: isPetlabError(e) ? e.message.replace(/^cannot decode [^:]*: /, '') : String(e) });
        }
        meter.update(++done);
      });
      ds.items = ds.items.filter((it) => !bad.has(it.file));
    }
    const counts = classCounts(ds);
    const tot = counts.reduce((a, c) => ({ train: a.train + c.train, val: a.val + c.val, test: a.test + c.test }), { train: 0, val: 0, test: 0 });
    const hasTest = tot.test > 0;
    ctx.reporter.print(
      [
        `${ds.root}`,
        `layout: ${ds.layout}; split: ${describeSplit(ds)}`,
        `${count(ds.classes.length, 'class', 'classes')}, ${count(ds.items.length, 'image')}: ${tot.train} train, ${tot.val} val${hasTest ? `, ${tot.test} test` : ''}`,
        ...(ds.review ? [reviewLine(ds)] : []),
        '',
        table(
          counts.map((c) => [c.name, c.train, c.val, ...(hasTest ? [c.test] : []), c.train + c.val + c.test]),
          ['class', 'train', 'val', ...(hasTest ? ['test'] : []), 'total'],
        ),
        ds.skipped.length
          ? `\nskipped ${count(ds.skipped.length, 'file')}:\n${ds.skipped.map((s) => `  ${printable(s.file)}: ${s.reason}`).join('\n')}`
          : bool(ctx, 'check')
            ? '\nevery image decodes'
            : '\nno files skipped by name (add --check to decode every image, or see the warnings of the first training run)',
      ].join('\n'),
    );
    ctx.reporter.result({
      command: 'data info',
      root: ds.root,
      layout: ds.layout,
      splitSource: ds.splitSource,
      classes: counts,
      totals: tot,
      skipped: ds.skipped,
      ...(ds.review ? { review: ds.review } : {}),
    });
    return 0;
  },
};
