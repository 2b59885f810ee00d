import { PetlabError } from '../errors.js';

/**
 * A dataset can be evaluated by a model when each of its class folders is one of the model's
 * classes (a subset is fine: a holdout of a few breeds). Checked before TensorFlow starts, so a wrong
 * folder is reported at once.
 */
export function assertClassesKnown(datasetClasses: readonly string[], datasetRoot: string, modelClasses: readonly string[]): void {
  const missing = datasetClasses.filter((c) => !modelClasses.includes(c));
  if (!missing.length) return;
  const list = (xs: readonly string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? '…' : ''}`;
  throw new PetlabError(
    `class${missing.length > 1 ? 'es' : ''} ${list(missing)} of ${datasetRoot} ${missing.length > 1 ? 'are' : 'is'} not among the model's classes (${list(modelClasses)})`,
    {
      hint: 'evaluate on a folder whose class folders are named like the training classes',
    },
  );
}
