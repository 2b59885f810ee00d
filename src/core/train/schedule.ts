/**
 * Learning-rate schedules, as pure functions of progress. One-cycle (fastai's default): warm up from
 * lr/div to lr over the first `pctStart` of the steps, then anneal with a cosine to lr/finalDiv.
 */
export type ScheduleName = 'one-cycle' | 'constant' | 'cosine';

export interface ScheduleOptions {
  name: ScheduleName;
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  div?: number;
  finalDiv?: number;
}

function cosineInterp(start: number, end: number, t: number): number {
  return end + ((start - end) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, t))))) / 2;
}

export function learningRateAt(step: number, o: ScheduleOptions): number {
  const total = Math.max(1, o.totalSteps);
  const t = step / total;
  if (o.name === 'constant') return o.maxLr;
  if (o.name === 'cosine') return cosineInterp(o.maxLr, o.maxLr / (o.finalDiv ?? 1e4), t);
  const pct = o.pctStart ?? 0.25;
  const lo = o.maxLr / (o.div ?? 25);
  const end = o.maxLr / (o.finalDiv ?? 1e4);
  if (t < pct) return cosineInterp(lo, o.maxLr, t / pct);
  return cosineInterp(o.maxLr, end, (t - pct) / (1 - pct));
}
