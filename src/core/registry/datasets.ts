/**
 * The dataset registry: config/datasets.json, loaded, validated and looked up by name.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DIR } from '../paths.js';
import { datasetDataDir, datasetDir, datasetReady } from '../download/cache-layout.js';
import { createRegistry } from './registry.js';
import { MD5_RE, readEntry, RegistryReader, SHA256_RE } from './validate.js';

export const DATASETS_FILE = path.join(CONFIG_DIR, 'datasets.json');

export interface DatasetArchive {
  /** file name in the dataset's cache folder (and under a mirror), e.g. images.tar.gz */
  file: string;
  url: string;
  sha256?: string;
  md5?: string;
  /** bytes, when known */
  size?: number;
  /** why there is no checksum, when there is none */
  checksumNote?: string;
}

export interface DatasetEntry {
  name: string;
  title: string;
  description: string;
  isDefault: boolean;
  archives: DatasetArchive[];
  /** relative to the extraction folder: the folder to pass as --data ('.' = the extraction folder) */
  dataDir: string;
  /** paths (relative to the extraction folder) that a good extraction has */
  expect: string[];
  imageCount: number;
  classCount: number;
  licence: string;
  homepage?: string;
  citation?: string;
  /** folders whose extracted files are checked, for archives without a published checksum */
  contents: DatasetContents[];
}

/**
 * A folder of the extraction, checked after extracting: its file count, and optionally the sha256
 * of its listing (one line per file, sorted by path: git blob id, bytes, path from the extraction
 * folder, tab-separated; what `git hash-object` and `stat` give).
 */
export interface DatasetContents {
  dir: string;
  files: number;
  listingSha256?: string;
}

const ARCHIVE_RE = /\.(tar\.gz|tgz|tar|zip)$/i;

function parseArchive(r: RegistryReader, v: unknown, i: number): DatasetArchive {
  const f = `archives[${i}]`;
  const o = r.obj(v, f);
  const file = r.relPath(o.file, `${f}.file`);
  if (file.includes('/') || !ARCHIVE_RE.test(file))
    r.fail(`${f}.file`, `must be a file name ending in .tar.gz, .tgz, .tar or .zip (got ${JSON.stringify(file)})`);
  return {
    file,
    url: r.url(o.url, `${f}.url`),
    sha256: r.optStr(o.sha256, `${f}.sha256`, { pattern: SHA256_RE, what: '64 lowercase hex digits' }),
    md5: r.optStr(o.md5, `${f}.md5`, { pattern: MD5_RE, what: '32 lowercase hex digits' }),
    size: o.size === undefined ? undefined : r.int(o.size, `${f}.size`, 1),
    checksumNote: r.optStr(o.checksumNote, `${f}.checksumNote`),
  };
}

function parseEntry(file: string, v: unknown, i: number): DatasetEntry {
  const { r, o } = readEntry(file, v, i, 'dataset');
  const archives = r.arr(o.archives, 'archives', 1).map((a, j) => parseArchive(r, a, j));
  if (new Set(archives.map((a) => a.file)).size !== archives.length) r.fail('archives', 'lists a file twice');
  for (const a of archives) {
    if (!a.sha256 && !a.md5 && !a.checksumNote) r.fail(`archives (${a.file})`, 'needs sha256 or md5, or a checksumNote saying why there is none');
  }
  return {
    name: o.name as string,
    title: r.str(o.title, 'title'),
    description: r.str(o.description, 'description'),
    isDefault: r.bool(o.default, 'default'),
    archives,
    dataDir: r.relPath(o.dataDir, 'dataDir', true),
    expect: o.expect === undefined ? [] : r.arr(o.expect, 'expect').map((x, j) => r.relPath(x, `expect[${j}]`)),
    imageCount: r.int(o.imageCount, 'imageCount', 1),
    classCount: r.int(o.classCount, 'classCount', 1),
    licence: r.str(o.licence, 'licence'),
    homepage: r.optStr(o.homepage, 'homepage'),
    citation: r.optStr(o.citation, 'citation'),
    contents:
      o.contents === undefined
        ? []
        : r.arr(o.contents, 'contents').map((x, j) => {
            const c = r.obj(x, `contents[${j}]`);
            return {
              dir: r.relPath(c.dir, `contents[${j}].dir`),
              files: r.int(c.files, `contents[${j}].files`, 1),
              listingSha256: r.optStr(c.listingSha256, `contents[${j}].listingSha256`, { pattern: SHA256_RE, what: '64 lowercase hex digits' }),
            };
          }),
  };
}

const registry = createRegistry<DatasetEntry>({
  defaultFile: DATASETS_FILE,
  key: 'datasets',
  what: 'dataset',
  parse: parseEntry,
  unknownHint: (known) => `Known datasets: ${known} (see \`petlab data list\`), or give a folder with --data.`,
});

/** All entries of a dataset registry file (default: config/datasets.json), validated. */
export const loadDatasetRegistry = (file?: string): DatasetEntry[] => registry.load(file);
export const datasetNames = (file?: string): string[] => registry.names(file);
export const isDatasetName = (name: string, file?: string): boolean => registry.has(name, file);
export const getDatasetEntry = (name: string, file?: string): DatasetEntry => registry.get(name, file);
export const defaultDatasetName = (file?: string): string => registry.defaultName(file);

/** Total bytes of a dataset's archives, or null when one of them has no known size. */
export function datasetDownloadSize(entry: DatasetEntry): number | null {
  let total = 0;
  for (const a of entry.archives) {
    if (a.size === undefined) return null;
    total += a.size;
  }
  return total;
}

export interface DatasetRow {
  name: string;
  title: string;
  description: string;
  imageCount: number;
  classCount: number;
  licence: string;
  isDefault: boolean;
  /** bytes to download (all archives), null when not known */
  downloadBytes: number | null;
  /** downloaded and extracted: ready to use */
  cached: boolean;
  /** the folder to pass as --data (exists once cached) */
  path: string;
}

/** Rows for `petlab data list`. Cheap: looks for the extraction marker only. */
export function listDatasets(cacheDir: string, file?: string): DatasetRow[] {
  return loadDatasetRegistry(file).map((e) => ({
    name: e.name,
    title: e.title,
    description: e.description,
    imageCount: e.imageCount,
    classCount: e.classCount,
    licence: e.licence,
    isDefault: e.isDefault,
    downloadBytes: datasetDownloadSize(e),
    cached: datasetReady(cacheDir, e),
    path: datasetDataDir(cacheDir, e),
  }));
}

/** Size of an archive already complete in the cache (by its registered size, when known). */
export function archiveInCache(cacheDir: string, entry: DatasetEntry, a: DatasetArchive): boolean {
  try {
    const st = statSync(path.join(datasetDir(cacheDir, entry.name), a.file));
    return st.isFile() && (a.size === undefined || st.size === a.size);
  } catch {
    return false;
  }
}

export interface DatasetStatus {
  name: string;
  /** extracted and ready to use as --data */
  ready: boolean;
  /** the folder to pass as --data (exists once ready) */
  dataDir: string;
  /** bytes still to download (0 when ready or all archives are cached), null when not known */
  downloadBytes: number | null;
  /** bytes of all archives, null when not known */
  totalBytes: number | null;
  archives: { file: string; url: string; size?: number; cached: boolean }[];
}

/** Is the dataset ready, and if not, how much is there to download? No network, no hashing. */
export async function datasetStatus(name: string, cacheDir: string, file?: string): Promise<DatasetStatus> {
  const e = getDatasetEntry(name, file);
  const ready = datasetReady(cacheDir, e);
  const archives = e.archives.map((a) => ({ file: a.file, url: a.url, size: a.size, cached: archiveInCache(cacheDir, e, a) }));
  let downloadBytes: number | null = 0;
  if (!ready) {
    for (const a of archives) {
      if (a.cached) continue;
      downloadBytes = a.size === undefined || downloadBytes === null ? null : downloadBytes + a.size;
    }
  }
  return { name: e.name, ready, dataDir: datasetDataDir(cacheDir, e), downloadBytes, totalBytes: datasetDownloadSize(e), archives };
}
