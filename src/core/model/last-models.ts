/**
 * "The last model per dataset": <data folder>/last-models.json, so that the workbench opens again
 * with the model it trained last on a dataset. Written atomically (readers see the old index or
 * the new one); a damaged or foreign file reads as empty, never as an error.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

export const LAST_MODELS_FILE = 'last-models.json';

export interface LastModel {
  /** the model folder */
  dir: string;
  /** the backbone the model was trained on, as given (registry name or path) */
  backbone: string;
  /** validation accuracy, 0..1, when known */
  accuracy?: number;
  /** ISO date of the save */
  savedAt: string;
}

interface Index {
  format: 'petlab-last-models';
  version: 1;
  /** keyed by the dataset's absolute folder */
  datasets: Record<string, LastModel>;
}

const indexFile = (dataDir: string) => path.join(dataDir, LAST_MODELS_FILE);

async function readIndex(dataDir: string): Promise<Index> {
  try {
    const raw = JSON.parse(await fs.readFile(indexFile(dataDir), 'utf8')) as Index;
    if (raw?.format === 'petlab-last-models' && raw.datasets && typeof raw.datasets === 'object') return raw;
  } catch {
    // missing or damaged: as if empty (the next save writes a good one)
  }
  return { format: 'petlab-last-models', version: 1, datasets: {} };
}

/** The model last saved for this dataset folder, if the index has one. */
export async function lastModelFor(dataDir: string, datasetRoot: string): Promise<LastModel | undefined> {
  const e = (await readIndex(dataDir)).datasets[path.resolve(datasetRoot)];
  return e && typeof e.dir === 'string' && typeof e.backbone === 'string' ? e : undefined;
}

/** Remember `model` as the last one for this dataset folder. */
export async function recordLastModel(dataDir: string, datasetRoot: string, model: Omit<LastModel, 'savedAt'> & { savedAt?: string }): Promise<void> {
  const index = await readIndex(dataDir);
  index.datasets[path.resolve(datasetRoot)] = { ...model, dir: path.resolve(model.dir), savedAt: model.savedAt ?? new Date().toISOString() };
  await writeFileAtomic(indexFile(dataDir), JSON.stringify(index, null, 2) + '\n');
}
