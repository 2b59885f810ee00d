#!/usr/bin/env -S node --single-threaded-gc
// (the flag: V8 marks the heap on the thread that allocated, not on helper threads that would take
// the cores from the training workers; see src/core/worker/gc-mode.ts)
// petlab's entry point: it runs the compiled JavaScript in dist/ (the published package has nothing
// else; `npm ci` in a checkout builds it through the `prepare` script). In a development checkout
// whose dist/ is missing or older than a source file, the TypeScript sources run through tsx (a
// devDependency) so what runs is never stale; without tsx, it says how to build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** dist/ is what runs, unless this is a checkout with sources newer than the build. */
function shouldRunDist() {
  const built = existsSync(stamp);
  if (!existsSync(src)) return built; // an installed package: dist/ only
  if (process.env.PETLAB_FROM_SOURCE || !built) return false;
  return statSync(stamp).mtimeMs >= newestMtime(src);
}

async function runSources() {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    const why = existsSync(stamp) ? 'dist/ is older than the sources in src/' : 'dist/ has not been built';
    process.stderr.write(
      `petlab: ${why}, and tsx (a devDependency) is not installed to run the sources\nhint: run \`npm run build\` in ${root} (or \`npm ci\`, which builds it)\n`,
    );
    process.exit(1);
  }
  register();
  await import(pathToFileURL(path.join(src, 'main.ts')).href);
}

if (shouldRunDist()) await import(pathToFileURL(path.join(root, 'dist', 'main.js')).href);
else if (existsSync(src)) await runSources();
else {
  process.stderr.write(`petlab: this installation has no dist/ (the compiled program)\nhint: reinstall petlab; from a checkout, run \`npm run build\`\n`);
  process.exit(1);
}
