#!/usr/bin/env node
// petlab's entry point. `npm ci` compiles src/ into dist/ (the `prepare` script): plain JavaScript
// starts fast. When dist/ is missing, or older than a source file (a developer editing src/), the
// TypeScript sources run through tsx instead, so what runs is never stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function distIsFresh() {
  if (process.env.PETLAB_FROM_SOURCE) return false;
  if (!existsSync(stamp)) return false;
  return statSync(stamp).mtimeMs >= newestMtime(path.join(root, 'src'));
}

if (distIsFresh()) {
  await import(pathToFileURL(path.join(root, 'dist', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'src', 'main.ts')).href);
}
