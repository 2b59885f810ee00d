/**
 * `npm run test:data`: fetch the real data the tests need into petlab's cache (<cache>/test-data),
 * saying how much first. `-- --list` only says what is there and what is missing.
 * Nothing to do when the tests read ../shared or PETLAB_TEST_DATA instead.
 */
import { bytes as formatBytes } from '../../src/text/format.js';
import type { PetlabEvent } from '../../src/core/events.js';
import { defaultCacheDir } from '../../src/core/paths.js';
import { fetchTestData, plan } from './fetch-test-data.js';
import { getAsset } from './test-assets.js';
import { howToGet, missingAssets, resolveDataRoot } from './test-data.js';

const root = resolveDataRoot();
const listOnly = process.argv.includes('--list');
const mirror = process.env.PETLAB_MIRROR || undefined;

function printMissing(): void {
  const missing = missingAssets(root);
  if (!missing.length) console.log('every asset is there');
  for (const n of missing) console.log(`  missing ${n} (${getAsset(n).what}): ${howToGet(root, n)}`);
}

if (root.kind !== 'cache') {
  console.log(`npm test reads ${root.dir} (${root.kind === 'env' ? 'PETLAB_TEST_DATA' : '../shared beside the project'}); nothing to fetch.`);
  printMissing();
  process.exit(0);
}

const p = plan({ dataDir: root.dir, mirror });
const from = mirror ? `the mirror ${mirror}, else their public URLs` : 'their public URLs';
if (listOnly) {
  console.log(`test data in ${root.dir}: ${p.present.length} assets present; ${p.todo.length} to fetch (${formatBytes(p.bytes)}) from ${from}`);
  printMissing();
  process.exit(0);
}
if (p.todo.length) console.log(`Fetching test data: ${p.todo.map((a) => a.name).join(', ')} — ${formatBytes(p.bytes)} from ${from}, into ${root.dir}`);
else console.log(`Test data in ${root.dir}: nothing to fetch (${p.present.length} assets present).`);

let lastProgress = 0;
const onEvent = (e: PetlabEvent) => {
  if (e.type === 'warning') console.log(`  warning: ${e.message}`);
  else if (e.type === 'progress' && process.stdout.isTTY && Date.now() - lastProgress > 1000) {
    lastProgress = Date.now();
    const pct = e.total ? ` ${Math.floor((100 * e.done) / e.total)}%` : '';
    console.log(`  ${e.detail ?? ''}${pct} of ${formatBytes(e.total)}`);
  }
};
const r = await fetchTestData({ dataDir: root.dir, cacheDir: defaultCacheDir(), mirror, onLine: (l) => console.log(l), onEvent });
for (const u of r.unavailable) console.log(`not fetched: ${u.name} (${getAsset(u.name).what}): ${u.why}; its tests will be skipped`);
console.log(
  `test data: ${r.present.length + r.fetched.length} assets ready, ${r.fetched.length} fetched now, ${r.unavailable.length} not available here, ${r.failed.length} failed`,
);
process.exit(r.failed.length ? 1 : 0);
