/**
 * Checking what an archive extracted to, for archives with no published checksum: each listed
 * folder's file count, and the sha256 of its listing (git blob id, bytes and path of every file,
 * sorted by path), which anyone can recompute with `git hash-object`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DatasetContents } from '../registry/datasets.js';

async function filesUnder(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await filesUnder(root, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

export function gitBlobId(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

/** The listing whose sha256 the registry holds: one "blob\tbytes\tpath\n" line per file, by path. */
export async function contentsListing(root: string, dir: string): Promise<{ files: number; text: string }> {
  const files = (await filesUnder(root, dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let text = '';
  for (const f of files) {
    const data = await fs.readFile(path.join(root, f));
    text += `${gitBlobId(data)}\t${data.length}\t${f}\n`;
  }
  return { files: files.length, text };
}

/** What is wrong with the extraction in `root`, or undefined when every listed folder checks out. */
export async function checkContents(root: string, contents: DatasetContents[]): Promise<string | undefined> {
  for (const c of contents) {
    const got = await contentsListing(root, c.dir).catch(() => undefined);
    if (!got) return `${c.dir} is missing`;
    if (got.files !== c.files) return `${c.dir} holds ${got.files} files instead of ${c.files}`;
    if (c.listingSha256) {
      const sha = createHash('sha256').update(got.text).digest('hex');
      if (sha !== c.listingSha256) return `the files in ${c.dir} are not the published ones (listing sha256 ${sha}, expected ${c.listingSha256})`;
    }
  }
  return undefined;
}
