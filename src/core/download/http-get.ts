/**
 * A plain GET over node:http/https that follows redirects (GitHub raw and the Oxford site both
 * redirect) and hands back the raw body stream: no content decoding, so Range offsets and
 * checksums are about the bytes of the file itself.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PetlabError } from '../errors.js';

export const USER_AGENT = 'petlab/0.1 (+https://github.com/petlab)';

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** the URL after redirects */
  url: string;
}

export interface HttpGetOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** idle timeout: no byte for this long fails the request (also while reading the body) */
  timeoutMs?: number;
  maxRedirects?: number;
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly url: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function requestOnce(url: URL, opts: HttpGetOptions): Promise<IncomingMessage> {
  const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!mod) return Promise.reject(new PetlabError(`cannot download ${url.href}: only http and https URLs are supported`));
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers: { 'user-agent': USER_AGENT, ...opts.headers }, signal: opts.signal }, resolve);
    req.on('error', reject);
    const ms = opts.timeoutMs ?? 30_000;
    req.setTimeout(ms, () => {
      const e = new Error(`no data for ${Math.round(ms / 1000)} s`) as NodeJS.ErrnoException;
      e.code = 'ETIMEDOUT';
      req.destroy(e);
    });
  });
}

export async function httpGet(url: string, opts: HttpGetOptions = {}): Promise<HttpResponse> {
  let current = new URL(url);
  const max = opts.maxRedirects ?? 10;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(current, opts);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location) {
      res.resume();
      if (hop >= max) throw new HttpStatusError(status, `more than ${max} redirects`, url);
      current = new URL(location, current);
      continue;
    }
    return { status, statusText: res.statusMessage ?? '', headers: res.headers, body: res, url: current.href };
  }
}

function codeOf(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } };
  if (typeof err?.code === 'string') return err.code;
  if (typeof err?.cause?.code === 'string') return err.cause.code;
  return undefined;
}

/** Worth retrying (with a Range request when bytes arrived): the connection broke, or the server hiccuped. */
export function isTransient(e: unknown): boolean {
  if (e instanceof HttpStatusError) return e.status >= 500 || e.status === 429 || e.status === 408;
  const code = codeOf(e);
  if (
    code &&
    ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'EPROTO', 'ESOCKETTIMEDOUT', 'PETLAB_SHORT_BODY'].includes(code)
  )
    return true;
  const msg = (e as Error)?.message ?? '';
  return msg === 'aborted' || msg === 'socket hang up';
}

/** Words for the user: why the request failed. */
export function describeNetworkError(e: unknown): string {
  if (e instanceof HttpStatusError) return e.message;
  const code = codeOf(e);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (no network?)';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'network unreachable (no network?)';
    case 'ETIMEDOUT':
      return `timed out (${(e as Error).message})`;
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

export function contentLength(h: IncomingHttpHeaders): number | undefined {
  const v = h['content-length'];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** "bytes 100-199/200" → 100 */
export function contentRangeStart(h: IncomingHttpHeaders): number | undefined {
  const m = /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(String(h['content-range'] ?? '').trim());
  return m ? Number(m[1]) : undefined;
}
