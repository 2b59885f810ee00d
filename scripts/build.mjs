// Compile src/ to dist/, bundle the modules of the workbench's start-up, and stamp it:
// bin/petlab.js runs dist/ only when the stamp is newer than every source file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
 * Imports of src/core from a bundle stay imports of dist/core/*.js (relative to the bundle's own
 * folder): one copy of every core module, and the worker threads' entry (dist/core/worker/host.js)
 * where client.ts expects it.
 */
function coreExternal(outDir, except) {
  const srcCore = path.join(root, 'src', 'core') + path.sep;
  return {
    name: 'petlab-core-external',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const abs = path.resolve(args.resolveDir, args.path);
        if (!abs.startsWith(srcCore) || abs.replace(/\.js$/, '.ts') === except) return undefined;
        const rel = path
          .relative(outDir, path.join(dist, 'core', path.relative(srcCore, abs)))
          .split(path.sep)
          .join('/');
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      });
      // Ink loads React DevTools only with DEV=true, never in the workbench
      b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'petlab-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'petlab-stub' }, () => ({ contents: 'export default { initialize() {}, connectToDevTools() {} };', loader: 'js' }));
    },
  };
}

/**
 * Every copy of string-width in the bundle (Ink's, wrap-ansi's, petlab's) with the fast rule of
 * src/tui/render/fast-string-width.ts in front: most of the text of a frame is measured without
 * grapheme segmentation (a large part of the first frame's time and the first keys').
 */
function fastStringWidth() {
  const fast = path.join(root, 'src', 'tui', 'render', 'fast-string-width.ts');
  return {
    name: 'petlab-fast-string-width',
    setup(b) {
      b.onResolve({ filter: /^string-width$/ }, async (args) => {
        if (args.pluginData === 'real') return undefined;
        const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
        if (real.errors.length) return { errors: real.errors };
        return { path: real.path, namespace: 'petlab-width' };
      });
      b.onLoad({ filter: /.*/, namespace: 'petlab-width' }, (args) => ({
        contents: `import real from ${JSON.stringify(args.path)};\nimport { withFastPath } from ${JSON.stringify(fast)};\nexport default withFastPath(real);\n`,
        loader: 'js',
        resolveDir: path.dirname(args.path),
      }));
    },
  };
}

/**
 * @alcalzone/ansi-tokenize's diffAnsiCodes (Ink's cell-by-cell row strings) with the same-style fast
 * path of src/tui/render/fast-ansi-diff.ts; left as it is if its source is not what this expects.
 */
function fastAnsiDiff() {
  const fast = path.join(root, 'src', 'tui', 'render', 'fast-ansi-diff.ts');
  const declaration = 'export function diffAnsiCodes(';
  return {
    name: 'petlab-fast-ansi-diff',
    setup(b) {
      b.onLoad({ filter: /@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]diff\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(declaration)) return undefined;
        return {
          contents: `${source.replace(declaration, 'function diffAnsiCodesSlow(')}\nimport { withSameStyleFastPath } from ${JSON.stringify(fast)};\nexport const diffAnsiCodes = withSameStyleFastPath(diffAnsiCodesSlow);\n`,
          loader: 'js',
        };
      });
    },
  };
}

/**
 * Modules on the workbench's start-up path, bundled with their npm dependencies, each in place of
 * tsc's output: Node reads and links one file instead of hundreds, which was most of the time to
 * the first interactive frame.
 * - src/tui/startup-modules.ts: the workbench, Ink, React (dist/tui/startup-modules.js);
 * - src/core/settings.ts: settings, with conf and its JSON-schema validator (dist/core/settings.js);
 * - src/tui/splash.ts: the first paint, with the text helpers and string-width it uses (dist/tui/splash.js).
 */
async function bundleStartup() {
  const { build } = await import('esbuild');
  const entries = [path.join('src', 'tui', 'startup-modules.ts'), path.join('src', 'core', 'settings.ts'), path.join('src', 'tui', 'splash.ts')];
  for (const entry of entries) {
    const src = path.join(root, entry);
    const outfile = path.join(dist, path.relative(path.join(root, 'src'), src)).replace(/\.ts$/, '.js');
    await build({
      entryPoints: [src],
      outfile,
      allowOverwrite: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // PETLAB_BUILD_NO_MINIFY=1: readable function names in a CPU profile of the start-up
      minify: !process.env.PETLAB_BUILD_NO_MINIFY,
      // the workbench always runs React's production build (launch.ts sets NODE_ENV before this loads)
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'warning',
      // CommonJS inside the bundle (React) calls require
      banner: { js: "import { createRequire as __petlabRequire } from 'node:module'; const require = __petlabRequire(import.meta.url);" },
      plugins: [coreExternal(path.dirname(outfile), src), fastStringWidth(), fastAnsiDiff()],
    });
  }
}

try {
  await bundleStartup();
} catch (e) {
  // tsc's output is still there and runs, only slower to start
  process.stderr.write(`build: bundling the start-up modules failed (${e.message.split('\n')[0]}); dist/ runs unbundled\n`);
}
mkdirSync(dist, { recursive: true });
writeFileSync(path.join(dist, '.build-stamp'), `${started}\n`);
