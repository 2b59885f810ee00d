/**
 * Fill the cache's test-data folder (laid out like ../shared) with petlab's own verified
 * downloader: each file mirror first (PETLAB_MIRROR, laid out like the cache), then its public URL,
 * sha256-checked, resumed with Range after a cut. Backbone files land in petlab's backbone cache
 * (shared with the product) and are hard-linked into the data folder.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { removeWithMarker } from '../../src/core/download/digest.js';
import { downloadFile } from '../../src/core/download/download-file.js';
import { extractArchive } from '../../src/core/download/extract/index.js';
import { bytes as formatBytes } from '../../src/text/format.js';
import { PetlabError } from '../../src/core/errors.js';
import type { EventSink } from '../../src/core/events.js';
import { allAssets, downloadBytes, isPublic, type Asset, type AssetFile, type AssetName, type TreeDigest } from './test-assets.js';
import { assetMarker, assetPresent } from './test-data.js';

export interface FetchOptions {
  /** the data folder to fill (<cacheDir>/test-data) */
  dataDir: string;
  cacheDir: string;
  mirror?: string;
  /** default: every asset that can be fetched */
  names?: AssetName[];
  onLine?: (line: string) => void;
  onEvent?: EventSink;
  retries?: number;
  timeoutMs?: number;
}

export interface FetchReport {
  present: AssetName[];
  fetched: AssetName[];
  /** cannot be fetched from here (no public copy and no mirror that has it) */
  unavailable: Array<{ name: AssetName; why: string }>;
  failed: Array<{ name: AssetName; error: string }>;
}

const posix = (p: string) => p.split('/');

/** Put `src` at `dest` without a second copy when the file system allows (a hard link). */
async function place(src: string, dest: string): Promise<void> {
  if (path.resolve(src) === path.resolve(dest)) return;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  await fs.rm(dest, { force: true });
  await fs.link(src, dest).catch(() => fs.copyFile(src, dest));
}

async function gitBlobId(file: string): Promise<string> {
  const { size } = await fs.stat(file);
  const h = createHash('sha1').update(`blob ${size}\0`);
  await pipeline(createReadStream(file), async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) h.update(c);
  });
  return h.digest('hex');
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** The folder's digest as TreeDigest defines it: sha256 of sorted "<git blob id> <path>" lines. */
export async function treeDigest(dir: string): Promise<TreeDigest> {
  const files = await listFiles(dir);
  const lines: string[] = [];
  let bytes = 0;
  for (const f of files) {
    lines.push(`${await gitBlobId(path.join(dir, ...posix(f)))} ${f}`);
    bytes += (await fs.stat(path.join(dir, ...posix(f)))).size;
  }
  lines.sort();
  return {
    files: files.length,
    bytes,
    gitBlobDigest: createHash('sha256')
      .update(lines.join('\n') + '\n')
      .digest('hex'),
  };
}

/** Where the bytes came from, for the report: "3 files from the mirror", "1 file from the cache". */
function sourcesNote(sources: Map<string, number>): string {
  return [...sources].map(([src, n]) => `${n} file${n > 1 ? 's' : ''} from ${src === 'origin' ? 'the public URL' : `the ${src}`}`).join(', ');
}

async function fetchFiles(a: Asset, files: AssetFile[], o: FetchOptions): Promise<string> {
  const stored = new Map<string, string>();
  const sources = new Map<string, number>();
  for (const f of files) {
    let src = stored.get(f.cachePath);
    if (!src) {
      try {
        const r = await downloadFile({
          url: f.url,
          dest: path.join(o.cacheDir, ...posix(f.cachePath)),
          sha256: f.sha256,
          size: f.size,
          mirror: o.mirror,
          cachePath: f.cachePath,
          label: `${a.name}: ${f.to}`,
          onEvent: o.onEvent,
          retries: o.retries,
          timeoutMs: o.timeoutMs,
        });
        src = r.path;
        sources.set(r.source, (sources.get(r.source) ?? 0) + 1);
      } catch (e) {
        if (f.optional && e instanceof PetlabError) continue; // e.g. darknet's labels: only from a mirror
        throw e;
      }
      stored.set(f.cachePath, src);
    }
    await place(src, path.join(o.dataDir, ...posix(f.to)));
  }
  return `verified, ${sourcesNote(sources)}`;
}

async function fetchZip(a: Asset, s: Extract<Asset['source'], { kind: 'zip' }>, o: FetchOptions): Promise<string> {
  const archive = path.join(o.cacheDir, ...posix(s.cachePath));
  // no published checksum for this zip: what is checked is the extracted folder, file by file
  const r = await downloadFile({
    url: s.url,
    dest: archive,
    mirror: o.mirror,
    cachePath: s.cachePath,
    label: a.name,
    onEvent: o.onEvent,
    retries: o.retries,
    timeoutMs: o.timeoutMs,
  });
  const tmp = path.join(o.dataDir, `.tmp-${a.name}-${process.pid}`);
  // what an interrupted run left (tens of MB)
  for (const n of await fs.readdir(o.dataDir)) if (n.startsWith(`.tmp-${a.name}-`)) await fs.rm(path.join(o.dataDir, n), { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  try {
    await extractArchive(archive, tmp);
    const got = await treeDigest(path.join(tmp, ...posix(s.take))).catch(() => undefined);
    if (!got || got.gitBlobDigest !== s.tree.gitBlobDigest) {
      await removeWithMarker(archive);
      const what = got ? `${got.files} files, ${got.bytes} bytes, digest ${got.gitBlobDigest}` : `no ${s.take} in it`;
      throw new PetlabError(
        `${a.name}: ${s.take} in the downloaded archive is not the expected one (expected ${s.tree.files} files, ${s.tree.bytes} bytes, digest ${s.tree.gitBlobDigest}; got ${what}); the archive was deleted`,
      );
    }
    const dest = path.join(o.dataDir, ...posix(s.to));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.rm(dest, { recursive: true, force: true });
    await fs.rename(path.join(tmp, ...posix(s.take)), dest);
    await removeWithMarker(archive); // the zip is twice what the tests use
    return `${got.files} files verified, ${sourcesNote(new Map([[r.source, 1]]))}`;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function reachable(a: Asset, mirror: string | undefined): string | undefined {
  if (a.source.kind === 'none') return a.source.why;
  if (!isPublic(a) && !mirror) return 'no public copy and no PETLAB_MIRROR';
  return undefined;
}

/** What `npm run test:data` would transfer: the assets not yet present, and their bytes. */
export function plan(o: Pick<FetchOptions, 'dataDir' | 'mirror' | 'names'>): {
  todo: Asset[];
  bytes: number;
  present: AssetName[];
  unavailable: FetchReport['unavailable'];
} {
  const root = { dir: o.dataDir, kind: 'cache' as const };
  const want = allAssets().filter((a) => !o.names || o.names.includes(a.name));
  const present = want.filter((a) => assetPresent(root, a.name)).map((a) => a.name);
  const unavailable: FetchReport['unavailable'] = [];
  const todo: Asset[] = [];
  for (const a of want) {
    if (present.includes(a.name)) continue;
    const why = reachable(a, o.mirror);
    if (why) unavailable.push({ name: a.name, why });
    else todo.push(a);
  }
  return { todo, bytes: todo.reduce((s, a) => s + downloadBytes(a), 0), present, unavailable };
}

export async function fetchTestData(o: FetchOptions): Promise<FetchReport> {
  const say = o.onLine ?? (() => undefined);
  const p = plan(o);
  const report: FetchReport = { present: p.present, fetched: [], unavailable: p.unavailable, failed: [] };
  await fs.mkdir(path.join(o.dataDir, '.assets'), { recursive: true });
  for (const a of p.todo) {
    const t0 = Date.now();
    say(`${a.name}: ${a.what}, ${formatBytes(downloadBytes(a))}`);
    try {
      let note = '';
      if (a.source.kind === 'files') note = await fetchFiles(a, a.source.files, o);
      else if (a.source.kind === 'zip') note = await fetchZip(a, a.source, o);
      const marker = { name: a.name, fetchedAt: new Date().toISOString(), mirror: o.mirror ?? null };
      await fs.writeFile(assetMarker(o.dataDir, a.name), JSON.stringify(marker) + '\n');
      report.fetched.push(a.name);
      say(`${a.name}: ready (${note}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      const error = e instanceof PetlabError ? `${e.message}${e.hint ? ` — ${e.hint}` : ''}` : String((e as Error)?.message ?? e);
      report.failed.push({ name: a.name, error });
      say(`${a.name}: FAILED: ${error}`);
    }
  }
  return report;
}
