/**
 * The full Oxford-IIIT Pet on paper (issue 17): the default recipe's time on its 7,349 pictures,
 * projected from the per-image costs measured in this run. Every phase scales with the pictures it
 * sees (train or val, times views and epochs); model loading and start-up are left out.
 */
export const FULL_PETS = { pictures: 7349, valFraction: 0.2 };
/** fastai's published Pets fine_tune on a 6-core laptop (the figure the issue compares against) */
export const FASTAI_MINUTES = 25;

export interface MeasuredCosts {
  /** pictures in this run's train and val splits */
  train: number;
  val: number;
  /** seconds of each phase in this run */
  embed: number;
  /** frozen run: head training + evaluation on cached embeddings */
  frozenHead: number;
  /** recipe phase 1: the few head epochs on cached embeddings */
  head: number;
  features: number;
  fineTune: number;
  evaluate: number;
}

export interface Projection {
  frozen: number;
  fineTuned: number;
}

/** Seconds on the full dataset: each phase's cost per picture of what it runs over, times the full counts. */
export function projectFullPets(m: MeasuredCosts): Projection {
  const val = Math.round(FULL_PETS.pictures * FULL_PETS.valFraction);
  const train = FULL_PETS.pictures - val;
  const all = train + val;
  const embed = (m.embed / (m.train + m.val)) * all;
  // the head phases (embeddings only) and the fine-tune epochs cost per training picture (validation inside),
  // the features per picture of both splits (views are the same per picture here as there)
  const frozen = embed + (m.frozenHead / (m.train + m.val)) * all;
  const fineTuned =
    embed + (m.head / m.train) * train + (m.features / (m.train + m.val)) * all + (m.fineTune / m.train) * train + (m.evaluate / Math.max(1, m.val)) * val;
  return { frozen, fineTuned };
}

export function minutes(s: number): string {
  return `${(s / 60).toFixed(1)} min`;
}
