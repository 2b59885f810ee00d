import path from 'node:path';
import type { Interpretation } from '../../core/explain/interpretation.js';
import { pct, table } from '../../text/format.js';
import { count } from '../../text/plural.js';

/** Human text for an Interpretation: the confusion matrix (when it fits) and the top losses. */
export function interpretationReport(it: Interpretation, o: { maxMatrixClasses?: number } = {}): string {
  const lines: string[] = [];
  const max = o.maxMatrixClasses ?? 15;
  if (it.classes.length <= max) {
    const abbrev = it.classes.map((c) => (c.length > 12 ? c.slice(0, 11) + '…' : c));
    lines.push(
      'confusion matrix (rows: actual, columns: predicted):',
      table(
        it.confusion.map((row, a) => [abbrev[a], ...row]),
        ['', ...abbrev],
      ),
    );
  } else {
    lines.push(`confusion matrix: ${it.classes.length} classes, too many to print (use --json)`);
  }
  if (it.topLosses.length) {
    lines.push(
      '',
      `top ${count(it.topLosses.length, 'loss', 'losses')} (the images the model is most wrong about):`,
      table(
        it.topLosses.map((l, i) => [
          i + 1,
          path.basename(l.file),
          l.actual,
          l.predicted,
          l.loss.toFixed(3),
          pct(l.probability, 1),
          pct(l.actualProbability, 1),
        ]),
        ['#', 'file', 'actual', 'predicted', 'loss', 'p(pred)', 'p(actual)'],
      ),
    );
  }
  return lines.join('\n');
}
