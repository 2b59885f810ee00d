/**
 * `npm run bench -- pairs`: one-shot recognition on Oxford pets partial. 7 breeds (a seeded pick
 * of the 34 small ones) are held out of training; the pairs head is trained on the other 30, then
 * 5-way 1-shot and 5-way 5-shot episodes on the held-out breeds are scored by the head and, on the
 * same episodes, by cosine nearest neighbour on the raw backbone embeddings.
 */
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { makeRng, shuffleInPlace } from '../src/core/random.js';
import { evalPairs, trainPairs } from '../src/core/pairs/run.js';
import type { PairsHeadOptions } from '../src/core/pairs/head.js';
import { heading, peakRssMb, row, SHARED, tempCache, timed } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
const PETS = path.join(SHARED, 'data', 'oxford-pets-partial');
const EPISODES = Number(process.env.PAIRS_EPISODES ?? 400);
/** head settings to measure (default: the defaults alone), e.g. PAIRS_VARIANTS='{}|{"hiddenUnits":0}|{"hardFraction":0}' */
const VARIANTS = (process.env.PAIRS_VARIANTS ?? '{}').split('|').map((s) => JSON.parse(s) as Partial<PairsHeadOptions>);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const workers = defaultWorkerCount();
heading(`pairs: one-shot on 7 held-out breeds of oxford-pets-partial (wasm, ${workers} workers, ${EPISODES} episodes)`);
const cacheDir = process.env.PAIRS_CACHE ?? tempCache('pairs');
const ds = await scanDataset(PETS, { seed: 42, valFraction: 0 });
const counts = ds.classes.map((_, c) => ds.items.filter((i) => i.label === c).length);
const small = ds.classes.filter((_, c) => counts[c] < 50);
const heldOut = shuffleInPlace([...small], makeRng(42))
  .slice(0, 7)
  .sort();
row('held out of training', heldOut.join(', '));
const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
try {
  await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
  for (const v of VARIANTS) {
    const out = path.join(tempCache('pairs-model'), 'model');
    const [res, wall] = await timed(() => trainPairs(session, { dataset: ds, out, exclude: heldOut, options: v }));
    row(
      `trained ${JSON.stringify(v)}`,
      `${res.images} images of ${res.classes.length} breeds; embed ${res.timings.embed.toFixed(1)} s, train ${res.timings.train.toFixed(1)} s (wall ${wall.toFixed(1)} s), last pair acc ${pct(res.history.at(-1)?.acc ?? NaN)}`,
    );
    for (const shots of [1, 5]) {
      const r = await evalPairs(session, { modelDir: out, dataset: ds, classes: heldOut, ways: 5, shots, episodes: EPISODES, seed: 7 });
      row(
        `  5-way ${shots}-shot, held-out breeds`,
        `head ${pct(r.accuracy)}  cosine baseline ${pct(r.baseline)}  centred cosine ${pct(r.centredBaseline)}  (${r.queries} queries)`,
      );
    }
  }
  row('peak RSS (process, workers included)', `${peakRssMb().toFixed(0)} MB`);
} finally {
  await session.close();
}
