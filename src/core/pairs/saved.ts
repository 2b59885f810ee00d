/**
 * A pairs model is a petlab model folder (petlab.json with `kind: "pairs"`, head/), written whole
 * (with head/center.json, the mean embedding it centres on) into a temp folder and renamed into place, with the sha256 of each file checked on load.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { writeDirAtomic } from '../io/atomic.js';
import { explainFsFaults } from '../io/fs-errors.js';
import { assertReplaceable } from '../io/output-dir.js';
import { modelArtifacts, writeArtifactsInto } from '../io/layers-model-files.js';
import { digestFiles } from '../model/digests.js';
import { loadHead } from '../model/saved-model.js';
import type { PairsHead } from './head.js';
import type { PairsModelMeta } from './meta.js';

export { readPairsMeta, type PairsModelMeta } from './meta.js';

export async function writePairsModel(dir: string, meta: PairsModelMeta, h: PairsHead): Promise<void> {
  const art = await modelArtifacts(h.head);
  const center = JSON.stringify([...h.center]);
  await assertReplaceable(dir);
  await explainFsFaults(
    () =>
      writeDirAtomic(dir, async (tmp) => {
        await fs.mkdir(path.join(tmp, 'head'));
        await writeArtifactsInto(path.join(tmp, 'head'), art);
        await fs.writeFile(path.join(tmp, 'head', 'center.json'), center);
        await fs.writeFile(path.join(tmp, 'petlab.json'), JSON.stringify({ ...meta, files: await digestFiles(tmp) }, null, 2));
      }),
    { where: dir, doing: 'saving the pairs model', fix: 'free some space or fix the folder, then train again' },
  );
}

/** The head, checked: digests, finite weights, input size twice the embedding's, its centre. */
export async function loadPairsHead(dir: string, dim: number): Promise<PairsHead> {
  const head = await loadHead(dir);
  const want = head.inputs[0].shape[1];
  const center = await fs.readFile(path.join(dir, 'head', 'center.json'), 'utf8').then(
    (t) => JSON.parse(t) as unknown,
    () => undefined,
  );
  const fail = (msg: string) => {
    head.dispose();
    return new PetlabError(msg, { hint: 'use the backbone it was trained with, or train again' });
  };
  if (want !== 2 * dim) throw fail(`pairs model in ${dir} takes ${want} features, this backbone gives pairs of ${dim}-d embeddings`);
  if (!Array.isArray(center) || center.length !== dim || !center.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw fail(`pairs model in ${dir} has no valid head/center.json (${dim} numbers)`);
  return { head, center: Float32Array.from(center as number[]) };
}
