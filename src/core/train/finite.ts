import { PetlabError } from '../errors.js';

/**
 * NaN or Inf in a loss or a prediction means the numbers are garbage (diverged training, damaged
 * weights or features): stop with a clear message instead of reporting "50.00%, loss NaN".
 */
export function assertFiniteLoss(loss: number, where: string): void {
  if (Number.isFinite(loss)) return;
  throw new PetlabError(`training stopped: the loss is ${loss} at ${where}`, {
    hint: 'the training diverged or the inputs are damaged: try a lower --lr; the last good checkpoint (if any) is kept',
  });
}

export function assertFiniteValues(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new PetlabError(`${what} ${values[i]}: the model's numbers are damaged`, {
        hint: 'train the model again; if it was just trained, try a lower --lr',
      });
    }
  }
}
