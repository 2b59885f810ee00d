/**
 * What a user downloads: the npm package (npm pack: tarball and unpacked size, files) and the
 * runtime dependencies it installs (npm ls --omit=dev), with the largest of them.
 *
 *   npx tsx bench/package.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { row } from './lib.js';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Package folders of a `npm ls --parseable` listing, without the project itself and nested duplicates counted twice. */
function packages(args: string[]): string[] {
  const out = execFileSync('npm', ['ls', '--all', '--parseable', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return [...new Set(out.split('\n').filter((l) => l && l !== PROJECT_ROOT))];
}

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PROJECT_ROOT, encoding: 'utf8' })) as Array<{
  size: number;
  unpackedSize: number;
  entryCount: number;
}>;
row('npm pack: tarball', mb(pack.size));
row('npm pack: unpacked', `${mb(pack.unpackedSize)} in ${pack.entryCount} files`);

// a package's own files (its nested node_modules are listed as packages of their own)
const own = (dir: string) => dirBytes(dir) - (readdirSync(dir).includes('node_modules') ? dirBytes(path.join(dir, 'node_modules')) : 0);
const runtime = packages(['--omit=dev']).map((d) => ({ name: path.relative(path.join(PROJECT_ROOT, 'node_modules'), d), bytes: own(d) }));
row('runtime dependencies installed', `${runtime.length} packages, ${mb(runtime.reduce((a, p) => a + p.bytes, 0))}`);
for (const p of [...runtime].sort((a, b) => b.bytes - a.bytes).slice(0, 5)) row(`  ${p.name}`, mb(p.bytes));
interface LsNode {
  path?: string;
  dependencies?: Record<string, LsNode>;
}
const tree = JSON.parse(execFileSync('npm', ['ls', '--all', '--json', '--long'], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 })) as LsNode;
/** The folders a dev-only package brings in (its whole subtree), without those the runtime needs too. */
const devOnly = (name: string) => {
  const dirs = new Set<string>();
  const walk = (n: LsNode) => {
    if (n.path && !dirs.has(n.path)) {
      dirs.add(n.path);
      for (const d of Object.values(n.dependencies ?? {})) walk(d);
    }
  };
  walk(tree.dependencies![name]);
  const runtimeDirs = new Set(runtime.map((r) => path.join(PROJECT_ROOT, 'node_modules', r.name)));
  const extra = [...dirs].filter((d) => !runtimeDirs.has(d));
  return `${extra.length} packages, ${mb(extra.reduce((a, d) => a + own(d), 0))}`;
};
row('not shipped: terminal-image (with jimp)', devOnly('terminal-image'));
row('not shipped: tsx (with esbuild)', devOnly('tsx'));
