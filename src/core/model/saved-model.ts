import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic } from '../io/atomic.js';
import { explainFsFaults } from '../io/fs-errors.js';
import { assertReplaceable } from '../io/output-dir.js';
import { loadLayersModelFrom, modelArtifacts, writeArtifactsInto } from '../io/layers-model-files.js';
import type { SavedModelMeta } from './meta.js';
import { digestFiles, verifySavedModel } from './digests.js';
import { PetlabError } from '../errors.js';
export { verifySavedModel } from './digests.js';
export { MODEL_FORMAT, readSavedModelMeta, readStateJson, hasFineTunedBackbone, type SavedModelMeta } from './meta.js';

/**
 * A trained petlab model is a folder:
 *   petlab.json   classes, backbone reference + preprocessing, head config, metrics, training options
 *   head/         the new top (tfjs layers model, outputs logits)
 *   backbone/     only when the backbone was fine-tuned: its trained weights
 *   state/        what --resume needs (optimizer state, epoch), written with each checkpoint
 * It is always written whole into a temp folder and renamed into place, so a reader (or a crash) never
 * sees half a model.
 */

export interface SavedModelParts {
  head: tf.LayersModel;
  backbone?: tf.LayersModel;
  /** optimizer weights and anything else needed to resume */
  state?: { json: Record<string, unknown>; tensors?: tf.NamedTensorMap };
}

async function writeTensors(dir: string, named: tf.NamedTensorMap): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(named);
  await fs.writeFile(path.join(dir, 'tensors.bin'), Buffer.from(data as ArrayBuffer));
  await fs.writeFile(path.join(dir, 'tensors.json'), JSON.stringify(specs));
}

export async function readStateTensors(dir: string): Promise<tf.NamedTensorMap | undefined> {
  try {
    const specs = JSON.parse(await fs.readFile(path.join(dir, 'state', 'tensors.json'), 'utf8')) as tf.io.WeightsManifestEntry[];
    const buf = await fs.readFile(path.join(dir, 'state', 'tensors.bin'));
    return tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer, specs);
  } catch {
    return undefined;
  }
}

export async function writeSavedModel(dir: string, meta: SavedModelMeta, parts: SavedModelParts): Promise<void> {
  // Serialise the tensors before touching the disk: the models may change once we yield.
  const headArt = await modelArtifacts(parts.head);
  const backboneArt = parts.backbone ? await modelArtifacts(parts.backbone) : undefined;
  await assertReplaceable(dir); // the last guard: a folder that is not petlab's is never replaced
  await explainFsFaults(
    () =>
      writeDirAtomic(dir, async (tmp) => {
        await fs.mkdir(path.join(tmp, 'head'));
        await writeArtifactsInto(path.join(tmp, 'head'), headArt);
        if (backboneArt) {
          await fs.mkdir(path.join(tmp, 'backbone'));
          await writeArtifactsInto(path.join(tmp, 'backbone'), backboneArt);
        }
        if (parts.state) {
          await fs.mkdir(path.join(tmp, 'state'));
          await fs.writeFile(path.join(tmp, 'state', 'state.json'), JSON.stringify(parts.state.json, null, 2));
          if (parts.state.tensors) await writeTensors(path.join(tmp, 'state'), parts.state.tensors);
        }
        const withDigests: SavedModelMeta = { ...meta, files: await digestFiles(tmp) };
        await fs.writeFile(path.join(tmp, 'petlab.json'), JSON.stringify(withDigests, null, 2));
      }),
    {
      where: dir,
      doing: `saving the model${meta.complete ? '' : ` after epoch ${meta.epochsDone}`}`,
      fix: `free some space or fix the folder, then continue with --resume: ${dir} keeps its last complete checkpoint`,
    },
  );
}

/** The head of a saved model, checked: its files against their digests, its weights finite. */
export async function loadHead(dir: string): Promise<tf.LayersModel> {
  await verifySavedModel(dir, 'head/');
  const head = await loadLayersModelFrom(path.join(dir, 'head'));
  const bad = head.weights.find((w) => tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(w.read()))).dataSync()[0]));
  if (bad) {
    head.dispose();
    throw new PetlabError(`model in ${dir} has NaN or infinite weights (${bad.name}): it cannot predict`, {
      hint: 'its training diverged or the file was damaged: train it again (a lower --lr if the loss went to NaN)',
    });
  }
  return head;
}
