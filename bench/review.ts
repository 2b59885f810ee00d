import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { REVIEW_EPOCHS, runReview } from '../src/core/review/run.js';
import { nearestRows, normaliseRows } from '../src/core/review/cosine.js';
import { makeRng } from '../src/core/random.js';
import { benchHead, heading, row, SHARED, tempCache, timed } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
const HEAD = benchHead(REVIEW_EPOCHS);

/**
 * The dataset review (petlab review) on real data: how many suspects and duplicate pairs it finds,
 * the time cold (embeddings computed) and from the cache, and similar-picture queries at the size
 * of the full Oxford-IIIT Pet (7,390 pictures).
 */
export async function benchReview(opts: { datasets: Array<{ name: string; dir: string }> }): Promise<void> {
  const workers = defaultWorkerCount();
  for (const d of opts.datasets) {
    heading(`review: ${d.name} (wasm, ${workers} workers, 5 folds x ${HEAD.epochs} epochs)`);
    const cacheDir = tempCache('review');
    const ds = await scanDataset(d.dir, { seed: 42, valFraction: 0.2 });
    const session = await Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: 16 });
    try {
      await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
      const [cold, coldS] = await timed(() => runReview(session, { dataset: ds, head: HEAD }));
      const [warm, warmS] = await timed(() => runReview(session, { dataset: ds, head: HEAD }));
      const doubted = cold.suspects.filter((s) => s.score > 0);
      row('pictures', `${cold.items.length} (${ds.classes.length} classes)`);
      row('out-of-fold accuracy', `${(cold.accuracy * 100).toFixed(1)}%`);
      row('suspects (model prefers another label)', `${doubted.length}`);
      row(
        'duplicate pairs',
        `${cold.duplicates.length} (${cold.duplicates.filter((p) => p.exact).length} same bytes, ${cold.duplicates.filter((p) => p.leak).length} across splits)`,
      );
      row(
        'review, cold (embeddings computed)',
        `${coldS.toFixed(1)} s (embed ${cold.timings.embed.toFixed(1)}, folds ${cold.timings.folds.toFixed(1)}, duplicates ${cold.timings.duplicates.toFixed(2)})`,
      );
      row(
        'review, from the embedding cache',
        `${warmS.toFixed(1)} s (embed ${warm.timings.embed.toFixed(1)}, folds ${warm.timings.folds.toFixed(1)}, duplicates ${warm.timings.duplicates.toFixed(2)})`,
      );
      for (const s of doubted.slice(0, 5)) row(`  suspect ${s.score.toFixed(2)}`, `${path.relative(ds.root, s.file)}: ${s.label} → ${s.suggested}`);
      for (const p of cold.duplicates.slice(0, 5))
        row(`  pair ${p.distance.toFixed(3)}`, `${path.relative(ds.root, p.files[0])}  ${path.relative(ds.root, p.files[1])}${p.leak ? ' (leak)' : ''}`);
    } finally {
      await session.close();
    }
  }
  // similar pictures at the size of the full Oxford-IIIT Pet: one query against 7,390 rows
  heading('similar pictures: one query against 7,390 x 1,280 embeddings (plain typed arrays)');
  const rng = makeRng(1);
  const n = 7390;
  const dim = 1280;
  const x = Float32Array.from({ length: n * dim }, () => rng());
  const unit = normaliseRows(x, dim);
  const t0 = performance.now();
  const q = 50;
  for (let i = 0; i < q; i++) nearestRows(unit, dim, unit.subarray(i * dim, (i + 1) * dim), 10, (r) => r === i);
  row('k=10 nearest, per query', `${((performance.now() - t0) / q).toFixed(1)} ms`);
}
