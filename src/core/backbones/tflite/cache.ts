import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../../errors.js';
import { writeDirAtomic } from '../../io/atomic.js';
import { modelArtifacts, readModelArtifacts, writeArtifactsInto } from '../../io/layers-model-files.js';
// Register the custom layers before a cached model is deserialized.
import './hard-swish.js';
import './constant-arithmetic.js';
import { validRanges } from './activation-ranges.js';
import { importTflite, type ImportedTflite, type TfliteImport } from './import.js';

/**
 * Bumped whenever the importer would build a different model from the same bytes, so caches
 * written by an older petlab are rebuilt instead of trusted.
 */
export const IMPORTER_VERSION = 3;

/** What model.json's userDefinedMetadata.petlab holds for a converted .tflite: the import's description, and where it came from. */
type CachedMeta = Pick<
  TfliteImport,
  'inputSize' | 'preprocess' | 'preprocessAssumed' | 'embeddingLayer' | 'embeddingPool' | 'outputKind' | 'activationRanges'
> & {
  importerVersion: number;
  source: string;
  /** sha256 of the .tflite it was converted from (the folder's name) */
  sourceSha256: string;
  /** sha256 of the weight bytes: a scrambled weights.bin of the right size is caught on load */
  weightsSha256: string;
};

export function convertedDir(cacheDir: string, sha256: string): string {
  return path.join(cacheDir, 'converted', sha256);
}

function validMeta(m: unknown): m is CachedMeta {
  const x = m as Partial<CachedMeta> | undefined;
  return (
    !!x &&
    x.importerVersion === IMPORTER_VERSION &&
    Array.isArray(x.inputSize) &&
    x.inputSize.length === 2 &&
    typeof x.preprocess?.scale === 'number' &&
    typeof x.preprocess?.offset === 'number' &&
    typeof x.embeddingLayer === 'string' &&
    (x.embeddingPool === 'avg' || x.embeddingPool === 'none') &&
    (x.outputKind === 'probabilities' || x.outputKind === 'logits')
  );
}

function sha256Of(data: ArrayBuffer | ArrayBuffer[] | undefined): string {
  const h = createHash('sha256');
  for (const b of Array.isArray(data) ? data : data ? [data] : []) h.update(new Uint8Array(b));
  return h.digest('hex');
}

/**
 * The cached conversion, or why there is none usable: absent, stale (older importer), or damaged
 * (unreadable, or its weights do not match the digest written with them). Either way: rebuild it.
 */
async function loadCached(dir: string, sourceSha256: string): Promise<TfliteImport | { missing: string }> {
  try {
    await fs.access(path.join(dir, 'model.json'));
  } catch {
    return { missing: 'absent' };
  }
  try {
    const artifacts = await readModelArtifacts(dir);
    const meta = artifacts.userDefinedMetadata?.petlab;
    if (!validMeta(meta)) return { missing: 'written by an older petlab' };
    if (meta.sourceSha256 !== sourceSha256 || meta.weightsSha256 !== sha256Of(artifacts.weightData))
      return { missing: 'damaged (its weights do not match their checksum)' };
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    return {
      model,
      inputSize: meta.inputSize,
      preprocess: meta.preprocess,
      preprocessAssumed: !!meta.preprocessAssumed,
      embeddingLayer: meta.embeddingLayer,
      embeddingPool: meta.embeddingPool,
      outputKind: meta.outputKind,
      activationRanges: validRanges(meta.activationRanges),
    };
  } catch (e) {
    return { missing: `damaged (${(e as Error).message.split('\n')[0]})` };
  }
}

async function saveCached(dir: string, imp: TfliteImport, source: string, sourceSha256: string): Promise<void> {
  const artifacts = await modelArtifacts(imp.model);
  const meta: CachedMeta = {
    importerVersion: IMPORTER_VERSION,
    inputSize: imp.inputSize,
    preprocess: imp.preprocess,
    preprocessAssumed: imp.preprocessAssumed,
    embeddingLayer: imp.embeddingLayer,
    embeddingPool: imp.embeddingPool,
    outputKind: imp.outputKind,
    ...(imp.activationRanges ? { activationRanges: imp.activationRanges } : {}),
    source: path.resolve(source),
    sourceSha256,
    weightsSha256: sha256Of(artifacts.weightData),
  };
  await writeDirAtomic(dir, (tmp) => writeArtifactsInto(tmp, { ...artifacts, convertedBy: 'petlab tflite import', userDefinedMetadata: { petlab: meta } }));
}

async function readTflite(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PetlabError(`TFLite model not found: ${file}`, { hint: 'check the path, or pick a backbone from `petlab models`' });
    if (code === 'EISDIR') throw new PetlabError(`${file} is a folder, not a .tflite file`, { hint: 'give the .tflite file itself' });
    throw new PetlabError(`cannot read ${file}: ${(e as Error).message}`, { hint: 'check the file permissions' });
  }
}

/**
 * Import a .tflite once, then reuse the converted tfjs model cached under
 * `${cacheDir}/converted/<sha256>/` (keyed by the file's bytes, so an edited file is re-imported).
 */
export async function loadTflite(file: string, opts: { cacheDir: string }): Promise<ImportedTflite> {
  const bytes = await readTflite(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = convertedDir(opts.cacheDir, sha256);
  const cached = await loadCached(dir, sha256);
  if (!('missing' in cached)) return { ...cached, sha256, fromCache: true };

  const imp = importTflite(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  try {
    await saveCached(dir, imp, file, sha256);
  } catch (e) {
    imp.model.dispose();
    throw new PetlabError(`cannot write the converted model to ${dir}: ${(e as Error).message}`, {
      hint: 'check that the cache folder is writable, or set PETLAB_CACHE_DIR',
      cause: e,
    });
  }
  return {
    ...imp,
    sha256,
    fromCache: false,
    ...(cached.missing !== 'absent' ? { rebuilt: `the converted copy of ${path.basename(file)} in ${dir} was ${cached.missing}: converted it again` } : {}),
  };
}
