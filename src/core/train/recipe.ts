/**
 * How long the frozen (head-only) phase before fine-tuning lasts. A fixed number of epochs is too
 * few optimizer steps on a small dataset (Oxford pets partial: 9 steps an epoch), and a head that is
 * still near random sends large, noisy gradients into the backbone it is meant to adapt. So the
 * phase runs at least `headEpochs` epochs and at least `headSteps` steps. On cached embeddings an
 * epoch costs well under a second, so the floor is nearly free.
 */
export function headEpochsBeforeFineTune(nTrain: number, batchSize: number, recipe: { headEpochs: number; headSteps: number }): number {
  const stepsPerEpoch = Math.max(1, Math.ceil(nTrain / Math.max(1, batchSize)));
  return Math.max(1, recipe.headEpochs, Math.ceil(recipe.headSteps / stepsPerEpoch));
}
