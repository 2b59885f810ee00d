// Compile src/ to dist/ and stamp it: bin/petlab.js runs dist/ only when the stamp is newer than
// every source file.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = new Date().toISOString();
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  // no stamp: petlab still runs, from the sources through tsx
  rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist', '.build-stamp'), `${started}\n`);
