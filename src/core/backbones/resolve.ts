import { promises as fs } from 'node:fs';
import type { EventSink } from '../events.js';
import { PetlabError } from '../errors.js';
import { parseInputRange } from './spec.js';
import { sourceFromPath, type BackboneSource } from './source.js';

export interface ResolveOptions {
  cacheDir: string;
  mirror?: string;
  onEvent?: EventSink;
  /** "-1,1" or "0,1": overrides what the model declares */
  inputRange?: string;
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || ref.endsWith('.tflite') || ref.endsWith('.json') || ref.startsWith('.');
}

/**
 * --backbone takes a registry name (downloaded into the cache on first use, or taken from the
 * mirror) or a path (.tflite, model.json, or a folder holding either).
 */
export async function resolveBackbone(ref: string, o: ResolveOptions): Promise<BackboneSource> {
  let src: BackboneSource;
  const exists = await fs.stat(ref).then(
    () => true,
    () => false,
  );
  if (exists || looksLikePath(ref)) {
    src = await sourceFromPath(ref);
  } else {
    const reg = await import('../download/backbone-files.js').catch(() => undefined);
    if (!reg) throw new PetlabError(`unknown backbone "${ref}"`, { kind: 'usage', hint: 'give a path to a model (.tflite, model.json or folder)' });
    src = await reg.backboneSourceFor(ref, { cacheDir: o.cacheDir, mirror: o.mirror, onEvent: o.onEvent });
  }
  if (o.inputRange) {
    const p = parseInputRange(o.inputRange);
    if (!p) throw new PetlabError(`bad --input-range "${o.inputRange}"`, { kind: 'usage', hint: 'write it as LOW,HIGH, e.g. -1,1 or 0,1' });
    src = { ...src, declared: { ...src.declared, inputRange: [p.offset, p.offset + 255 * p.scale] } };
  }
  return src;
}
