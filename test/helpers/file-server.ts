/**
 * A local HTTP file server for download tests (127.0.0.1, port 0). Routes map URL paths to files
 * or folders; it honours Range, counts the bytes it serves, records request headers, and can be
 * told to cut responses halfway, ignore Range, or redirect.
 */
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ServedRequest {
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
}

export interface FileServer {
  base: string;
  /** body bytes written to clients, per URL path */
  bytesServed: Map<string, number>;
  requests: ServedRequest[];
  /** map a URL prefix ("/files/") to a folder, or an exact path to a file */
  route(prefix: string, target: string): void;
  /** a URL path that answers 302 to another */
  redirect(from: string, to: string): void;
  /** cut the next `times` responses for this path after `fraction` of their body */
  cut(urlPath: string, fraction: number, times?: number): void;
  /** send `bytes` of the body, then hang (connection open, nothing more) */
  stall(urlPath: string, bytes: number): void;
  /** accept requests for this path and never answer them */
  silent(urlPath: string): void;
  ignoreRange: boolean;
  totalServed(urlPath?: string): number;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const routes: Array<[string, string]> = [];
  const redirects = new Map<string, string>();
  const cuts = new Map<string, { fraction: number; times: number }>();
  const stalls = new Map<string, number>();
  const silent = new Set<string>();
  const bytesServed = new Map<string, number>();
  const requests: ServedRequest[] = [];
  const state = { ignoreRange: false };

  const resolveFile = async (urlPath: string): Promise<string | undefined> => {
    for (const [prefix, target] of routes) {
      if (urlPath === prefix) return target;
      if (prefix.endsWith('/') && urlPath.startsWith(prefix)) {
        const rel = urlPath.slice(prefix.length).split('/').map(decodeURIComponent);
        if (rel.includes('..')) return undefined;
        return path.join(target, ...rel);
      }
    }
    return undefined;
  };

  const server = http.createServer(async (req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    const record: ServedRequest = { path: urlPath, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined, status: 0 };
    requests.push(record);
    if (silent.has(urlPath)) return; // never answer
    const to = redirects.get(urlPath);
    if (to) {
      record.status = 302;
      res.writeHead(302, { location: to });
      res.end();
      return;
    }
    const file = await resolveFile(urlPath);
    const st = file ? await fs.stat(file).catch(() => undefined) : undefined;
    if (!file || !st?.isFile()) {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m && !state.ignoreRange) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(end, Number(m[2]));
      if (start >= st.size) {
        record.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${st.size}` });
        res.end();
        return;
      }
      status = 206;
    }
    const length = end - start + 1;
    const headers: Record<string, string | number> = { 'content-length': length, 'accept-ranges': 'bytes', etag: `"${st.size}-${st.mtimeMs}"` };
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    record.status = status;
    res.writeHead(status, headers);
    const cut = cuts.get(urlPath);
    const stallAt = stalls.get(urlPath);
    if (stallAt !== undefined) {
      const buf = Buffer.alloc(Math.min(stallAt, length));
      const fh = await fs.open(file, 'r');
      await fh.read(buf, 0, buf.length, start);
      await fh.close();
      res.write(buf);
      bytesServed.set(urlPath, (bytesServed.get(urlPath) ?? 0) + buf.length);
      return; // and hang
    }
    const limit = cut && cut.times > 0 ? Math.floor(length * cut.fraction) : Infinity;
    if (cut && cut.times > 0) cut.times--;
    let sent = 0;
    const stream = createReadStream(file, { start, end, highWaterMark: 64 * 1024 });
    stream.on('data', (chunk: Buffer | string) => {
      const buf = chunk as Buffer;
      const take = Math.min(buf.length, limit - sent);
      if (take > 0) {
        res.write(buf.subarray(0, take));
        sent += take;
        bytesServed.set(urlPath, (bytesServed.get(urlPath) ?? 0) + take);
      }
      if (sent >= limit) {
        stream.destroy();
        // let the written bytes leave, then drop the connection mid-body
        setTimeout(() => res.socket?.destroy(), 20);
      }
    });
    stream.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    base: `http://127.0.0.1:${port}`,
    bytesServed,
    requests,
    route: (prefix, target) => routes.push([prefix, target]),
    redirect: (from, to) => redirects.set(from, to),
    cut: (urlPath, fraction, times = 1) => cuts.set(urlPath, { fraction, times }),
    stall: (urlPath, bytes) => stalls.set(urlPath, bytes),
    silent: (urlPath) => silent.add(urlPath),
    get ignoreRange() {
      return state.ignoreRange;
    },
    set ignoreRange(v: boolean) {
      state.ignoreRange = v;
    },
    totalServed: (urlPath) => (urlPath ? (bytesServed.get(urlPath) ?? 0) : [...bytesServed.values()].reduce((a, b) => a + b, 0)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
