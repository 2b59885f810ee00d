import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import type { BackboneFormat } from './spec.js';

// No TensorFlow here: resolving what --backbone names must not load it (the CLI starts fast).

/** Where a backbone's files are, and what is declared about it (registry entry or flags). */
export interface BackboneSource {
  name: string;
  format: BackboneFormat;
  /** .tflite file, or folder / model.json of a tfjs layers model */
  path: string;
  declared?: {
    inputRange?: [number, number];
    embeddingLayer?: string;
    embeddingPool?: 'avg' | 'none';
    labelsFile?: string;
  };
}

/** A path given as --backbone: .tflite file, model.json, or a folder holding either. */
export async function sourceFromPath(p: string): Promise<BackboneSource> {
  const abs = path.resolve(p);
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new PetlabError(`backbone not found: ${p}`, {
      hint: 'give a registry name (see `petlab models`), a .tflite file, a model.json, or a folder holding one',
    });
  }
  if (st.isFile()) {
    if (abs.toLowerCase().endsWith('.tflite')) return { name: path.basename(abs, '.tflite'), format: 'tflite', path: abs };
    return { name: path.basename(path.dirname(abs)), format: 'tfjs-layers', path: abs };
  }
  const entries = await fs.readdir(abs);
  if (entries.includes('model.json')) return { name: path.basename(abs), format: 'tfjs-layers', path: abs };
  const tfl = entries.filter((e) => e.toLowerCase().endsWith('.tflite'));
  if (tfl.length === 1) return { name: path.basename(tfl[0], '.tflite'), format: 'tflite', path: path.join(abs, tfl[0]) };
  throw new PetlabError(`no model in ${abs}: expected model.json or one .tflite file`, {
    hint: 'point --backbone at a tfjs layers model folder, a .tflite file, or a registry name',
  });
}
