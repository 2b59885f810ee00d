import { promises as fs } from 'node:fs';
import path from 'node:path';
import { resolveBackbone } from '../backbones/resolve.js';
import type { Dataset } from '../data/types.js';
import { isPetlabError, PetlabError } from '../errors.js';
import type { HeadOptions } from '../train/head.js';
import type { ActiveBackbone, Session } from '../session.js';
import type { SavedModelMeta } from './meta.js';

/** petlab.json of a model about to be trained (complete: false until its last epoch is saved). */
export function describeModel(bb: ActiveBackbone, ds: Dataset, head: HeadOptions, extra: Record<string, unknown>): SavedModelMeta {
  const counts = { train: 0, val: 0, test: 0 };
  for (const it of ds.items) counts[it.split]++;
  return {
    format: 'petlab-model',
    version: 1,
    createdAt: new Date().toISOString(),
    classes: ds.classes,
    backbone: { ref: bb.ref, source: bb.source, spec: bb.spec, fineTuned: false },
    head: { hiddenUnits: head.hiddenUnits, dropout: head.dropout, outputs: 'logits' },
    training: { ...head, ...extra },
    dataset: { root: ds.root, layout: ds.layout, seed: ds.seed, valFraction: ds.valFraction, splitSource: ds.splitSource, counts },
    complete: false,
    epochsDone: 0,
    history: [],
  };
}

/**
 * Load the backbone a saved model needs into the session (unless the same one is loaded). Returns
 * a sentence when the backbone found differs from the one the model was trained with (its files
 * changed since): a backbone that then cannot even be prepared is reported as that, not as
 * whatever broke inside it.
 */
export async function loadModelBackbone(session: Session, dir: string, meta: SavedModelMeta): Promise<string | undefined> {
  const src = meta.backbone.source;
  const spec = meta.backbone.spec;
  const declared = {
    inputRange: [spec.preprocess.offset, spec.preprocess.offset + 255 * spec.preprocess.scale] as [number, number],
    embeddingLayer: spec.embeddingLayer,
    embeddingPool: spec.embeddingPool,
  };
  if (meta.backbone.fineTuned) {
    // the fine-tuned weights live in the model folder; always (re)load them
    await session.loadBackboneSource(meta.backbone.ref, {
      name: `${spec.name} (fine-tuned)`,
      format: 'tfjs-layers',
      path: path.join(dir, 'backbone'),
      declared: { ...src.declared, ...declared },
    });
    return undefined;
  }
  if (session.backbone?.spec.fingerprint === spec.fingerprint) return undefined;
  const o = session.opts;
  let source = src;
  // A registry backbone is re-resolved (the cache may have moved); a path is used as saved.
  if (meta.backbone.ref && !path.isAbsolute(meta.backbone.ref) && !meta.backbone.ref.includes('/')) {
    source = await resolveBackbone(meta.backbone.ref, { cacheDir: o.cacheDir, mirror: o.mirror, onEvent: o.onEvent }).catch(() => src);
  }
  const differs = `backbone ${meta.backbone.ref} differs from the one the model in ${dir} was trained with (its files changed since)`;
  try {
    await session.loadBackboneSource(meta.backbone.ref, { ...source, declared: { ...source.declared, ...declared } });
  } catch (e) {
    // a missing backbone is reported as missing; one that is there but will not load has changed
    if (
      !isPetlabError(e) ||
      e.kind === 'internal' ||
      !(await fs.stat(source.path).then(
        () => true,
        () => false,
      ))
    )
      throw e;
    throw new PetlabError(`${differs}: ${e.message}`, {
      hint: `put back the backbone the model was trained with at ${source.path}, or train again with this one`,
      cause: e,
    });
  }
  return session.backbone!.spec.fingerprint !== spec.fingerprint ? differs : undefined;
}
