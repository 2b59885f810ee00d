/**
 * A local mirror (127.0.0.1) of the tests' data, laid out like petlab's cache: each asset file at
 * its cache path (backbones/<name>/<file> under its public file name, test-data/<path> for files
 * with no public copy), served from a folder laid out like ../shared; and the cats-vs-dogs zip,
 * rebuilt from the train/ files there (the public zip also has validation/, which ../shared lacks).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeZip } from './archives.js';
import { startFileServer, type FileServer } from './file-server.js';
import { allAssets } from './test-assets.js';
import { tempDir } from './shared.js';

function listFiles(dir: string, rel: string, out: string[]): void {
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(dir, r, out);
    else if (e.isFile() && !e.name.startsWith('.')) out.push(r);
  }
}

export async function startTestDataMirror(sharedDir: string): Promise<FileServer> {
  const server = await startFileServer();
  for (const a of allAssets()) {
    if (a.source.kind === 'files') {
      for (const f of a.source.files) server.route(`/${f.cachePath}`, path.join(sharedDir, ...f.to.split('/')));
    } else if (a.source.kind === 'zip') {
      const s = a.source;
      const files: string[] = [];
      listFiles(path.join(sharedDir, ...s.to.split('/')), '', files);
      const zip = path.join(tempDir('petlab-mirror-zip-'), path.basename(s.cachePath));
      writeFileSync(
        zip,
        makeZip(files.map((f) => ({ name: `${s.take}/${f}`, data: readFileSync(path.join(sharedDir, ...s.to.split('/'), ...f.split('/'))) }))),
      );
      server.route(`/${s.cachePath}`, zip);
    }
  }
  return server;
}
