import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';

/**
 * Digests of the files of a saved model, kept in its petlab.json (`files`): loading checks them,
 * so truncated or scrambled weights are named as such instead of surfacing as a TensorFlow error
 * or as silent 50% predictions.
 */
export type FileDigests = Record<string, { bytes: number; sha256: string }>;

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else if (e.isFile() && r !== 'petlab.json') out.push(r);
  }
  return out.sort();
}

export async function digestFiles(dir: string): Promise<FileDigests> {
  const d: FileDigests = {};
  for (const rel of await walk(dir)) {
    const data = await fs.readFile(path.join(dir, rel));
    d[rel] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }
  return d;
}

/** Check the files under `prefix` (all when absent) against the digests; a model without digests (older petlab) passes. */
export async function verifyFiles(dir: string, files: FileDigests | undefined, prefix = ''): Promise<void> {
  if (!files) return;
  const hint = 'the model folder is damaged: restore it from a backup, or train it again';
  for (const [rel, want] of Object.entries(files)) {
    if (!rel.startsWith(prefix)) continue;
    const p = path.join(dir, ...rel.split('/'));
    let data: Buffer;
    try {
      data = await fs.readFile(p);
    } catch {
      throw new PetlabError(`model in ${dir} is incomplete: ${rel} is missing`, { hint });
    }
    if (data.length !== want.bytes)
      throw new PetlabError(`model in ${dir} is damaged: ${rel} has ${data.length} bytes, ${want.bytes} were saved (truncated?)`, { hint });
    if (createHash('sha256').update(data).digest('hex') !== want.sha256)
      throw new PetlabError(`model in ${dir} is damaged: ${rel} does not match the checksum saved with it (corrupt file)`, { hint });
  }
}

/** Every file of a saved model against the digests in its petlab.json. */
export async function verifySavedModel(dir: string, prefix = ''): Promise<void> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'petlab.json'), 'utf8').catch(() => '{}')) as { files?: FileDigests };
  await verifyFiles(dir, meta.files, prefix);
}
