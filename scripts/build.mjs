// Compile src/ to dist/, bundle the workbench's start-up graph, and stamp it: bin/petlab.js runs
// dist/ only when the stamp is newer than every source file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = new Date().toISOString();
rmSync(dist, { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  // no stamp: petlab still runs, from the sources through tsx
  rmSync(dist, { recursive: true, force: true });
  process.exit(r.status ?? 1);
}

/**
 * The workbench's start-up graph (src/tui/startup-modules.ts: the workbench, Ink, React and their
 * few hundred modules) as one file, dist/tui/startup-modules.js, in place of tsc's: Node reads and links one module instead of hundreds, which
 * is most of the time to the first interactive frame. src/core stays outside the bundle (the
 * bundle imports dist/core/*.js): one copy of every core module, and the worker threads' entry
 * (dist/core/worker/host.js) where client.ts expects it.
 */
async function bundleWorkbench() {
  const { build } = await import('esbuild');
  const srcCore = path.join(root, 'src', 'core') + path.sep;
  const outDir = path.join(dist, 'tui');
  await build({
    entryPoints: [path.join(root, 'src', 'tui', 'startup-modules.ts')],
    outfile: path.join(outDir, 'startup-modules.js'),
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    // the workbench always runs React's production build (launch.ts sets NODE_ENV before this loads)
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    // CommonJS inside the bundle (React) calls require
    banner: { js: "import { createRequire as __petlabRequire } from 'node:module'; const require = __petlabRequire(import.meta.url);" },
    plugins: [
      {
        name: 'petlab-core-external',
        setup(b) {
          b.onResolve({ filter: /^\.\.?\// }, (args) => {
            const abs = path.resolve(args.resolveDir, args.path);
            if (!abs.startsWith(srcCore)) return undefined;
            const rel = path.relative(outDir, path.join(dist, 'core', path.relative(srcCore, abs))).split(path.sep).join('/');
            return { path: rel.replace(/\.tsx?$/, '.js'), external: true };
          });
          // Ink loads React DevTools only with DEV=true, never in the workbench
          b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'petlab-stub' }));
          b.onLoad({ filter: /.*/, namespace: 'petlab-stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
        },
      },
    ],
  });
}

try {
  await bundleWorkbench();
} catch (e) {
  // tsc's dist/tui/startup-modules.js is still there and runs, only slower to start
  process.stderr.write(`build: the workbench bundle failed (${e.message.split('\n')[0]}); dist/ runs unbundled\n`);
}
mkdirSync(dist, { recursive: true });
writeFileSync(path.join(dist, '.build-stamp'), `${started}\n`);
