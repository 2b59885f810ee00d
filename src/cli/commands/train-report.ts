/** What `train` and `eval` print about a model's accuracy: the per-class table, the confusions, the cross-validated figure. */
import type { CrossValidation } from '../../core/cross-validate.js';
import type { Metrics } from '../../core/eval/metrics.js';
import { pct, table } from '../../text/format.js';
import { count } from '../../text/plural.js';

export function metricsReport(m: Pick<Metrics, 'accuracy' | 'loss' | 'n' | 'perClass' | 'mostConfused'>, split: string, maxClasses = 50): string {
  const lines = [`${split} accuracy: ${pct(m.accuracy)} (${Math.round(m.accuracy * m.n)}/${m.n}), loss ${m.loss.toFixed(4)}`];
  const rows = [...m.perClass].sort((a, b) => a.accuracy - b.accuracy || a.name.localeCompare(b.name));
  lines.push(
    '',
    'per-class accuracy (worst first):',
    table(
      rows.slice(0, maxClasses).map((c) => [c.name, pct(c.accuracy, 1), `${c.correct}/${c.support}`]),
      ['class', 'accuracy', 'correct'],
    ),
  );
  if (rows.length > maxClasses) lines.push(`  … ${rows.length - maxClasses} more classes (use --json for all)`);
  if (m.mostConfused.length) {
    lines.push(
      '',
      'most confused (actual → predicted):',
      table(
        m.mostConfused.map((p) => [p.actual, '→', p.predicted, p.count]),
        ['actual', '', 'predicted', 'count'],
      ),
    );
  } else lines.push('', 'no confusions.');
  return lines.join('\n');
}

/** The cross-validated figure beside the single split's. */
export function cvReport(cv: CrossValidation, single: Metrics | undefined): string {
  const lines = [
    `cross-validated accuracy (${cv.k} folds of ${cv.n} pictures, frozen head${cv.tta ? ', flip TTA' : ''}): ${pct(cv.mean)} ± ${(cv.std * 100).toFixed(2)} (folds ${pct(cv.min)}–${pct(cv.max)})${single ? `; single split: ${pct(single.accuracy)} of ${single.n}` : ''}`,
  ];
  if (cv.thin.length) lines.push(`  ${count(cv.thin.length, 'class', 'classes')} with fewer than ${cv.k} pictures: some folds validate none of them`);
  return lines.join('\n');
}
