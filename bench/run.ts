import path from 'node:path';
import { benchFrozen } from './frozen.js';
import { peakRssMb, SHARED } from './lib.js';

/**
 * `npm run bench` — figures, not assertions. `npm run bench -- frozen` runs one section.
 */
const only = new Set(process.argv.slice(2));
const want = (s: string) => only.size === 0 || only.has(s);

const t0 = performance.now();
if (want('frozen')) {
  await benchFrozen({
    datasets: [
      { name: 'cats_and_dogs_filtered/train', dir: path.join(SHARED, 'data', 'cats_and_dogs_filtered', 'train') },
      { name: 'oxford-pets-partial', dir: path.join(SHARED, 'data', 'oxford-pets-partial') },
    ],
  });
}
process.stdout.write(`\nbench done in ${((performance.now() - t0) / 1000).toFixed(0)} s, peak RSS ${peakRssMb().toFixed(0)} MB\n`);
