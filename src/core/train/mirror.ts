import type { DatasetItem } from '../data/types.js';
import type { EmbedResult } from '../embed/embed-files.js';
import { gatherRows } from '../embed/rows.js';
import type { SavedModelMeta } from '../model/meta.js';
import type { LabelledEmbeddings } from './head.js';

/**
 * Flip augmentation on cached embeddings: the head trains on each picture and its mirror image
 * (both embeddings cached, keyed by file content and view), and a model trained so predicts with
 * flip TTA, the average of the class probabilities of the picture and its mirror image.
 * bench/accuracy.ts measured the two together (flip TTA alone loses), so they go together.
 */
export function withMirrors(data: LabelledEmbeddings, mirrored: Float32Array): LabelledEmbeddings {
  const x = new Float32Array(data.x.length + mirrored.length);
  x.set(data.x);
  x.set(mirrored, data.x.length);
  const y = new Int32Array(data.y.length * 2);
  y.set(data.y);
  y.set(data.y, data.y.length);
  return { x, y, dim: data.dim };
}

/** In place: p becomes the average of p and q (the probabilities of the mirror images). */
export function averageInto(p: Float32Array, q: Float32Array): Float32Array {
  for (let i = 0; i < p.length; i++) p[i] = (p[i] + q[i]) / 2;
  return p;
}

/**
 * Whether predict and eval use flip TTA by default for a saved model: a frozen head trained on
 * the mirror images too (training.flip), a fine-tuned model validated with TTA (fineTune.tta).
 * `--tta` / `--no-tta` override it.
 */
export function modelTta(meta: Pick<SavedModelMeta, 'training' | 'backbone'>): boolean {
  const t = meta.training ?? {};
  if (meta.backbone?.fineTuned) return (t.fineTune as { tta?: unknown } | undefined)?.tta === true;
  return t.flip === true;
}

/** The readable pictures of one split (and with mirror, whose mirror image was read too), as rows. */
export function pickSplit(
  items: DatasetItem[],
  split: 'train' | 'val',
  emb: EmbedResult,
  mirror?: EmbedResult,
): { data: LabelledEmbeddings; items: DatasetItem[]; mirrored?: Float32Array } {
  const rows = items.map((_, i) => i).filter((i) => items[i].split === split && emb.ok[i] && (!mirror || mirror.ok[i]));
  return {
    data: { x: gatherRows(emb.vectors, emb.dim, rows), y: Int32Array.from(rows.map((r) => items[r].label)), dim: emb.dim },
    items: rows.map((r) => items[r]),
    mirrored: mirror && gatherRows(mirror.vectors, mirror.dim, rows),
  };
}
