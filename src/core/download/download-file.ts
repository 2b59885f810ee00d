/**
 * downloadFile: one file into the cache, verified. Order of sources:
 *   1. the file already at `dest` (trusted by its `.verified` marker, else hashed once);
 *   2. the mirror (folder or base URL laid out like the cache);
 *   3. the origin URL.
 * Bytes stream to `dest.part`; an interrupted transfer resumes with a Range request (in this call,
 * or the next one); the file is verified before it is renamed into place, so `dest` is either
 * absent or good. A failed checksum deletes the download and says so.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PetlabError } from '../errors.js';
import type { EventSink } from '../events.js';
import { compareDigests, hashFile, markerConfirms, removeWithMarker, writeMarker, type Expected } from './digest.js';
import { contentLength, contentRangeStart, describeNetworkError, httpGet, HttpStatusError, isTransient } from './http-get.js';
import { MIRROR_SETTING_HINT, mirrorLocation, parseMirror, type Mirror } from './mirror.js';
import { bytes as formatBytes } from '../../text/format.js';
import { ProgressMeter } from '../progress.js';
import { idleNotices, StalledDownload } from './stall.js';

export interface DownloadOptions {
  /** public origin; may be absent for a file only a cache or mirror can provide */
  url?: string;
  dest: string;
  sha256?: string;
  md5?: string;
  size?: number;
  /** folder or base URL laid out like the cache (settings.mirror / PETLAB_MIRROR) */
  mirror?: string;
  /** the file's path relative to the cache folder (forward slashes): where the mirror has it */
  cachePath?: string;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** name shown in progress and messages (default: the file name) */
  label?: string;
  /** failed attempts in a row (without new bytes) before giving up; 0 = no retry (default 4) */
  retries?: number;
  /** no byte for this long fails an attempt (default 30 s) */
  timeoutMs?: number;
  /** while no byte arrives, say so every this often (default 10 s) */
  noticeMs?: number;
  /**
   * For callers that show one progress bar over several files: called with this file's bytes so
   * far instead of emitting progress events.
   */
  onBytes?: (done: number, total: number) => void;
}

export interface DownloadResult {
  path: string;
  source: 'cache' | 'mirror' | 'origin';
  /** bytes transferred by this call */
  bytes: number;
}

/** Progress of one transfer, either as throttled events or as raw byte counts for an aggregator. */
interface Progress {
  start(total: number, done: number): void;
  update(done: number): void;
  finish(): void;
}

function makeProgress(o: DownloadOptions, label: string): Progress {
  if (o.onBytes) {
    let total = 0;
    return {
      start: (t, d) => {
        total = t;
        o.onBytes!(d, total);
      },
      update: (d) => o.onBytes!(d, total),
      finish: () => undefined,
    };
  }
  let meter: ProgressMeter | undefined;
  return {
    start: (t, d) => {
      meter = new ProgressMeter(o.onEvent, 'download', 'bytes', t, { detail: label, start: d });
      meter.update(d, true);
    },
    update: (d) => meter?.update(d),
    finish: () => meter?.finish(),
  };
}

function cancelled(o: DownloadOptions, e: unknown): boolean {
  return o.signal?.aborted === true || (e as Error)?.name === 'AbortError';
}

/** A cancelled transfer always rejects with the signal's reason (an AbortError), whatever broke first. */
function abortReason(o: DownloadOptions, e: unknown): unknown {
  return o.signal?.aborted ? (o.signal.reason ?? e) : e;
}

const inflight = new Map<string, Promise<DownloadResult>>();

export function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  const dest = path.resolve(o.dest);
  // two callers asking for the same file share one transfer instead of writing one .part twice
  const running = inflight.get(dest);
  if (running) return running;
  const p = download(o, dest).finally(() => inflight.delete(dest));
  inflight.set(dest, p);
  return p;
}

function partPaths(dest: string) {
  return { part: `${dest}.part`, meta: `${dest}.part.json` };
}

async function fileSize(p: string): Promise<number | undefined> {
  try {
    const st = await fs.stat(p);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}

function warn(o: DownloadOptions, message: string, file: string): void {
  o.onEvent?.({ type: 'warning', code: 'other', message, file });
}

/** A file already at dest: good (by marker, or hashed once now), or removed so it is fetched again. */
async function usableCached(o: DownloadOptions, dest: string, exp: Expected, label: string): Promise<boolean> {
  const size = await fileSize(dest);
  if (size === undefined) return false;
  if (exp.size !== undefined && size !== exp.size) {
    warn(o, `${label} in the cache has ${size} bytes instead of ${exp.size}; fetching it again`, dest);
    await removeWithMarker(dest);
    return false;
  }
  if (!exp.sha256 && !exp.md5) return true;
  if (await markerConfirms(dest, exp)) return true;
  const d = await hashFile(dest, exp, o.signal);
  const bad = compareDigests(exp, d);
  if (!bad) {
    await writeMarker(dest, d);
    return true;
  }
  warn(o, `${label} in the cache fails its ${bad.what} check (expected ${bad.expected}, got ${bad.actual}); fetching it again`, dest);
  await removeWithMarker(dest);
  return false;
}

/** Verify the finished .part and move it into place (with its marker); on a mismatch delete it and throw. */
async function commit(part: string, dest: string, exp: Expected, from: string, o: DownloadOptions): Promise<void> {
  const d = await hashFile(part, exp, o.signal);
  const bad = compareDigests(exp, d);
  if (bad) {
    await fs.rm(part, { force: true });
    await fs.rm(partPaths(dest).meta, { force: true });
    throw new PetlabError(`download of ${from} failed its ${bad.what} check: expected ${bad.expected}, got ${bad.actual}; the file was deleted`, {
      hint: `Run the command again to retry. If it fails again, the file at that address changed or something on the way alters it: put a good copy at ${dest} or use a mirror (${MIRROR_SETTING_HINT}).`,
    });
  }
  await fs.rename(part, dest);
  await fs.rm(partPaths(dest).meta, { force: true });
  await writeMarker(dest, d);
}

interface PartMeta {
  url: string;
  etag?: string;
  lastModified?: string;
}

async function readMeta(file: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as PartMeta;
  } catch {
    return undefined;
  }
}

function shortBody(expected: number, got: number): Error {
  const e = new Error(`connection closed after ${got} of ${expected} bytes`) as NodeJS.ErrnoException;
  e.code = 'PETLAB_SHORT_BODY';
  return e;
}

/**
 * Bring `part` up to the complete file from `url`, resuming from its current length. A server that
 * ignores Range (200), answers 416, or sends a different range gets a clean restart.
 */
async function fetchToPart(url: string, dest: string, exp: Expected, o: DownloadOptions, progress: Progress): Promise<number> {
  const { part, meta: metaFile } = partPaths(dest);
  const retries = o.retries ?? 4;
  let inARow = 0;
  let restarts = 0;
  let transferred = 0;
  // Progress is the .part file growing past its longest length so far: bytes that only replace
  // what was there (a server ignoring Range sends from 0 again) do not reset the retry count.
  let best = (await fileSize(part)) ?? 0;
  let ignoredRange = false;
  const t0 = Date.now();
  const host = new URL(url).host;
  for (let attempt = 0; ; attempt++) {
    let offset = (await fileSize(part)) ?? 0;
    if (exp.size !== undefined && offset > exp.size) {
      await fs.rm(part, { force: true });
      offset = 0;
    }
    if (exp.size !== undefined && offset === exp.size && offset > 0) return transferred; // complete already; verified next
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      const m = await readMeta(metaFile);
      // If-Range: if the file changed since the first bytes, the server sends it whole (200)
      const validator = m?.url === url ? (m.etag && !m.etag.startsWith('W/') ? m.etag : m.lastModified) : undefined;
      if (validator) headers['if-range'] = validator;
    }
    let received = 0;
    const watch = idleNotices(o, host, `attempt ${attempt + 1}`);
    try {
      const res = await httpGet(url, { headers, signal: o.signal, timeoutMs: o.timeoutMs });
      watch.alive();
      let append = false;
      if (offset > 0 && (res.status === 416 || (res.status === 206 && contentRangeStart(res.headers) !== offset))) {
        // the partial file does not fit what the server has now: start over
        res.body.resume();
        await fs.rm(part, { force: true });
        if (++restarts > 2) throw new HttpStatusError(res.status, 'unusable range response', url);
        continue;
      }
      if (res.status === 206 && offset > 0) append = true;
      else if (res.status === 200) {
        if (offset > 0) ignoredRange = true;
        offset = 0;
      } else {
        res.body.resume();
        throw new HttpStatusError(res.status, res.statusText, url);
      }
      const len = contentLength(res.headers);
      const total = exp.size ?? (len !== undefined ? offset + len : 0);
      const m: PartMeta = { url };
      if (typeof res.headers.etag === 'string') m.etag = res.headers.etag;
      if (typeof res.headers['last-modified'] === 'string') m.lastModified = res.headers['last-modified'];
      await fs.writeFile(metaFile, JSON.stringify(m));
      progress.start(total, offset);
      const fh = await fs.open(part, append ? 'a' : 'w');
      try {
        // awaiting each write keeps the file length equal to what was received, so a resume never overlaps
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (exp.size !== undefined && offset + received + chunk.length > exp.size) {
            throw new PetlabError(`download of ${url} failed its size check: the server sends more than the expected ${exp.size} bytes`, {
              hint: 'The file at that address is not the one petlab expects; use a mirror or put a good copy in the cache.',
            });
          }
          await fh.write(chunk);
          watch.alive();
          received += chunk.length;
          transferred += chunk.length;
          progress.update(offset + received);
        }
      } finally {
        await fh.close();
      }
      if (len !== undefined && received < len) throw shortBody(len, received);
      progress.finish();
      return transferred;
    } catch (e) {
      if (cancelled(o, e)) throw abortReason(o, e);
      if (e instanceof PetlabError) {
        await fs.rm(part, { force: true });
        throw e;
      }
      if (!isTransient(e)) throw e;
      const reached = offset + received;
      if (reached > best) {
        best = reached;
        inARow = 1;
      } else inARow++;
      if (inARow > retries || attempt >= 100) throw new StalledDownload(e, { url, attempts: inARow, seconds: (Date.now() - t0) / 1000, best, ignoredRange });
      const wait = Math.min(5000, 250 * 2 ** (inARow - 1));
      o.onEvent?.({
        type: 'info',
        message: `${host}: ${describeNetworkError(e)} at ${formatBytes(reached)}; retrying in ${(wait / 1000).toFixed(1)} s (${inARow} of ${retries} retries without progress)`,
      });
      await delay(wait, undefined, { signal: o.signal });
    } finally {
      watch.stop();
    }
  }
}

/** Copy from a mirror folder into the .part file, with progress. */
async function copyToPart(src: string, dest: string, total: number, o: DownloadOptions, progress: Progress): Promise<number> {
  const { part } = partPaths(dest);
  progress.start(total, 0);
  const fh = await fs.open(part, 'w');
  let done = 0;
  try {
    for await (const chunk of createReadStream(src, { signal: o.signal }) as AsyncIterable<Buffer>) {
      await fh.write(chunk);
      done += chunk.length;
      progress.update(done);
    }
  } finally {
    await fh.close();
  }
  progress.finish();
  return done;
}

/** Try the mirror. Returns the bytes copied on success, or a note on why it could not be used. */
async function tryMirror(
  m: Mirror,
  cachePath: string,
  dest: string,
  exp: Expected,
  o: DownloadOptions,
  progress: Progress,
  label: string,
): Promise<number | string> {
  const where = mirrorLocation(m, cachePath);
  const { part } = partPaths(dest);
  let bytes: number;
  try {
    if (m.kind === 'dir') {
      const size = await fileSize(where);
      if (size === undefined) return `the mirror has no ${where}`;
      bytes = await copyToPart(where, dest, exp.size ?? size, o, progress);
    } else {
      bytes = await fetchToPart(where, dest, exp, o, progress);
    }
  } catch (e) {
    if (cancelled(o, e)) throw abortReason(o, e);
    if (e instanceof HttpStatusError && e.status === 404) return `the mirror has no ${where}`;
    return `mirror ${where}: ${e instanceof PetlabError ? e.message : describeNetworkError(e)}`;
  }
  try {
    await commit(part, dest, exp, where, o);
  } catch (e) {
    if (!(e instanceof PetlabError)) throw e;
    warn(o, `${e.message}; trying the origin`, where);
    return `the mirror's copy ${where} is not the expected file`;
  }
  o.onEvent?.({ type: 'info', message: `${label}: copied from the mirror (${where})` });
  return bytes;
}

function sourcesHint(dest: string, cachePath: string | undefined, notes: string[]): string {
  const mirrorPart = cachePath
    ? `or use a mirror laid out like the cache, where this file is <mirror>/${cachePath}: ${MIRROR_SETTING_HINT}`
    : `or use a mirror: ${MIRROR_SETTING_HINT}`;
  const tried = notes.length ? ` (Tried: ${notes.join('; ')}.)` : '';
  return `If this machine is offline, put the file at ${dest} by hand, ${mirrorPart}.${tried}`;
}

async function download(o: DownloadOptions, dest: string): Promise<DownloadResult> {
  const label = o.label ?? path.basename(dest);
  const exp: Expected = { sha256: o.sha256, md5: o.md5, size: o.size };
  if (await usableCached(o, dest, exp, label)) return { path: dest, source: 'cache', bytes: 0 };
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const progress = makeProgress(o, label);
  const notes: string[] = [];

  const mirror = parseMirror(o.mirror);
  if (mirror && o.cachePath) {
    const r = await tryMirror(mirror, o.cachePath, dest, exp, o, progress, label);
    if (typeof r === 'number') return { path: dest, source: 'mirror', bytes: r };
    notes.push(r);
  }

  if (!o.url) {
    throw new PetlabError(`${label} has no public download address and is not in the cache`, { hint: sourcesHint(dest, o.cachePath, notes) });
  }
  if (!o.onBytes) {
    const host = new URL(o.url).host;
    o.onEvent?.({ type: 'phase', phase: 'download', message: `Downloading ${label}${o.size ? ` (${formatBytes(o.size)})` : ''} from ${host}` });
  }
  let bytes: number;
  try {
    bytes = await fetchToPart(o.url, dest, exp, o, progress);
  } catch (e) {
    if (cancelled(o, e)) throw abortReason(o, e);
    if (e instanceof PetlabError) throw e;
    throw new PetlabError(`cannot download ${o.url}: ${describeNetworkError(e)}`, { hint: sourcesHint(dest, o.cachePath, notes), cause: e });
  }
  await commit(partPaths(dest).part, dest, exp, o.url, o);
  return { path: dest, source: 'origin', bytes };
}
