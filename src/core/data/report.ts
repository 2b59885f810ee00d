import type { Dataset } from './types.js';

/** Train/val counts per class. */
function splitCounts(ds: Dataset): Array<{ name: string; train: number; val: number }> {
  const rows = ds.classes.map((name) => ({ name, train: 0, val: 0 }));
  for (const it of ds.items) if (it.split !== 'test') rows[it.label][it.split]++;
  return rows;
}

/** Above this ratio of training pictures between the biggest and the smallest class, say so. */
const IMBALANCE = 5;

/** What a user should know before training on this split: strong imbalance, classes never validated. */
export function balanceWarnings(ds: Dataset): string[] {
  const rows = splitCounts(ds);
  const out: string[] = [];
  const byTrain = [...rows].sort((a, b) => b.train - a.train);
  const big = byTrain[0];
  const small = byTrain[byTrain.length - 1];
  if (small.train > 0 && big.train / small.train >= IMBALANCE) {
    out.push(
      `classes are strongly imbalanced: ${big.name} has ${big.train} training pictures, ${small.name} ${small.train} (${Math.round(big.train / small.train)}×); accuracy will favour the big classes`,
    );
  }
  const totalVal = rows.reduce((a, r) => a + r.val, 0);
  const noVal = rows.filter((r) => r.val === 0).map((r) => r.name);
  if (totalVal > 0 && noVal.length) {
    out.push(
      `${noVal.length} class${noVal.length > 1 ? 'es have' : ' has'} no validation pictures (${noVal.slice(0, 8).join(', ')}${noVal.length > 8 ? ', …' : ''}): ${noVal.length > 1 ? 'their' : 'its'} accuracy is not measured`,
    );
  }
  return out;
}

/** The split as it really is: how many pictures were held out, not just the fraction asked for. */
export function describeSplit(ds: Dataset): string {
  const rows = splitCounts(ds);
  const train = rows.reduce((a, r) => a + r.train, 0);
  const val = rows.reduce((a, r) => a + r.val, 0);
  const test = ds.items.filter((i) => i.split === 'test').length;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const held = `${val} of ${train + val} pictures (${pct(val / Math.max(1, train + val))}) held out for validation`;
  const asked =
    Math.round(ds.valFraction * 100) === Math.round((val / Math.max(1, train + val)) * 100)
      ? ''
      : `; ${pct(ds.valFraction)} asked, at least one per class of 2+ pictures`;
  if (ds.splitSource === 'official' && ds.layout === 'split-folders')
    return `split from the folder: ${train} train / ${val} val${test ? ` / ${test} test` : ''}`;
  if (ds.splitSource === 'official') return `trainval/test from the annotations (${test} test); seeded (seed ${ds.seed}): ${held}${asked}`;
  return `seeded split (seed ${ds.seed}): ${held}${asked}`;
}
