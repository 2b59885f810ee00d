import { PetlabError } from '../errors.js';
import { readSavedModelMeta, type SavedModelMeta } from '../model/meta.js';
import type { PairsHeadOptions } from './options.js';

export interface PairsModelMeta extends SavedModelMeta {
  kind: 'pairs';
  /** classes of the data left out of training (--exclude) */
  excluded: string[];
  pairs: PairsHeadOptions;
}

/** petlab.json of a pairs model; a classifier folder is named as such. */
export async function readPairsMeta(dir: string): Promise<PairsModelMeta> {
  const meta = (await readSavedModelMeta(dir)) as Partial<PairsModelMeta>;
  if (meta.kind !== 'pairs')
    throw new PetlabError(`${dir} is a classifier model (petlab train), not a pairs model`, {
      kind: 'usage',
      hint: 'train one with: petlab pairs train --data DIR --out DIR',
    });
  return meta as PairsModelMeta;
}
