import { runLrFind } from '../../core/lr-find-run.js';
import type { LrFindResult } from '../../core/train/lr-find.js';
import { UsageError } from '../../core/errors.js';
import { brailleChart } from '../../text/braille-chart.js';
import { float, int, SESSION_OPTIONS, type Command } from '../command.js';
import { backboneOption, dataOption, datasetSplit, resizeOption, seedOption, withDatasetSession } from '../dataset-session.js';

/** Loss against learning rate, log-scaled, in braille, with the suggestion marked below. */
export function lrChart(points: { lr: number; smoothed: number }[], suggestion: number, width = 60, height = 12): string {
  if (!points.length) return '(no points)';
  const losses = points.map((p) => p.smoothed);
  const lo = Math.min(...losses);
  // the divergence at the end would flatten everything: clip at 3x the starting loss
  const hi = Math.min(Math.max(...losses), 3 * losses[0]);
  const rows = brailleChart([{ values: losses, color: 'cyan' }], width, height, lo, hi);
  const lines = rows.map((runs, i) => {
    const label = i === 0 ? hi.toFixed(3) : i === height - 1 ? lo.toFixed(3) : '';
    return `${label.padStart(7)} │${runs.map((r) => r.text).join('')}`;
  });
  const l0 = Math.log10(points[0].lr);
  const l1 = Math.log10(points[points.length - 1].lr);
  const col = Math.round(((Math.log10(suggestion) - l0) / (l1 - l0 || 1)) * (width - 1));
  lines.push(`${' '.repeat(8)}└${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(9)}${' '.repeat(Math.max(0, col))}▲ ${suggestion.toExponential(1)}`);
  lines.push(
    `${' '.repeat(9)}${points[0].lr.toExponential(0)}${' '.repeat(Math.max(1, width - 12))}${points[points.length - 1].lr.toExponential(0)}  (learning rate, log scale)`,
  );
  return lines.join('\n');
}

/** What the sweep says: the suggestion, and whether the range was wide enough to trust the minimum. */
export function lrVerdict(res: LrFindResult, endLr: number): string[] {
  const use = `use it with: petlab train --lr ${Number(res.suggestion.toPrecision(2))} ...`;
  if (res.lossRose)
    return [`suggested learning rate: ${res.suggestion.toExponential(1)}  (steepest descent; minimum/10 = ${res.minOver10.toExponential(1)})`, use];
  const last = res.points.at(-1)?.lr ?? endLr;
  const wider = Math.min(1000, endLr * 100);
  return [
    `the loss never rose within the range: it still falls at ${last.toExponential(1)}, so there is no minimum to go by`,
    endLr < 1000
      ? `try a wider range: petlab lr-find --end-lr ${wider} ...`
      : 'the head does not diverge even at the largest rate: any rate up to the suggestion trains',
    `suggested learning rate so far: ${res.suggestion.toExponential(1)}  (steepest descent)`,
    use,
  ];
}

export const lrFindCommand: Command = {
  name: 'lr-find',
  summary: 'find a good learning rate: loss against an exponentially growing rate, drawn in the terminal',
  usage: 'petlab lr-find --data DIR [--backbone NAME|PATH] [--steps N] [--batch N] [--json]',
  options: {
    data: dataOption(),
    backbone: backboneOption(),
    steps: { type: 'string', arg: 'N', description: 'steps of the sweep (default 200)' },
    batch: { type: 'string', arg: 'N', description: 'batch size (default 64)' },
    'start-lr': { type: 'string', arg: 'X', description: 'first learning rate (default 1e-7)' },
    'end-lr': { type: 'string', arg: 'X', description: 'last learning rate (default 10)' },
    hidden: { type: 'string', arg: 'N', description: 'hidden units of the head (default 0)' },
    seed: seedOption(),
    resize: resizeOption(),
    ...SESSION_OPTIONS,
  },
  details:
    'The sweep trains a fresh head on the frozen, cached embeddings of the training split; the suggested\nrate is where the smoothed loss falls fastest. Use it as --lr for petlab train.',
  async run(ctx) {
    const s = ctx.settings;
    const r = ctx.reporter;
    const split = datasetSplit(ctx);
    const startLr = float(ctx, 'start-lr', 1e-7, 1e-12, 1);
    const endLr = float(ctx, 'end-lr', 10, 1e-9, 1000);
    if (endLr <= startLr) throw new UsageError('--end-lr must be larger than --start-lr');
    return withDatasetSession(ctx, split, async (session, ds) => {
      const res = await runLrFind(session, {
        dataset: ds,
        hiddenUnits: int(ctx, 'hidden', s.hiddenUnits, 0, 100000),
        batchSize: int(ctx, 'batch', s.batchSize, 1, 65536),
        startLr,
        endLr,
        steps: int(ctx, 'steps', 200, 10, 100000),
        seed: split.seed,
      });
      r.print([lrChart(res.points, res.suggestion), '', ...lrVerdict(res, endLr)].join('\n'));
      r.result({ command: 'lr-find', suggestion: res.suggestion, minOver10: res.lossRose ? res.minOver10 : null, lossRose: res.lossRose, points: res.points });
      return 0;
    });
  },
};
