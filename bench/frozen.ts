import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import type { Dataset } from '../src/core/data/types.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { defaultWorkerCount } from '../src/core/worker/pool.js';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { benchHead, heading, peakRssMb, row, SHARED, tempCache, timed } from './lib.js';
import { loadAverage, peerFigure, ratioText } from './peer.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'mobilenet_v2_1.0_224_quant.tflite');

/**
 * Frozen-backbone transfer learning on the wasm backend, the backbone's inference on ONNX Runtime
 * (petlab's default where it loads): embedding throughput (decode included) beside the same work
 * on TensorFlow.js alone and on PyTorch, wall time of each stage, validation accuracy on a seeded
 * 80/20 split, and the cached second run.
 */
export async function benchFrozen(opts: {
  datasets: Array<{ name: string; dir: string }>;
  workers?: number;
  embedBatch?: number;
  epochs?: number;
}): Promise<void> {
  const workers = opts.workers ?? defaultWorkerCount();
  const embedBatch = opts.embedBatch ?? 16;
  for (const d of opts.datasets) {
    heading(`frozen backbone: ${d.name} (wasm, ${workers} workers, embed batch ${embedBatch})`);
    const cacheDir = tempCache('frozen');
    const [ds, scanS] = await timed(() => scanDataset(d.dir, { seed: 42, valFraction: 0.2 }));
    row('dataset', `${ds.classes.length} classes, ${ds.items.length} images, seeded 80/20 split (seed 42)`);
    row('scan', `${scanS.toFixed(2)} s`);
    const [session, openS] = await timed(() => Session.open({ backend: 'wasm', workers, cacheDir, resize: 'cover', embedBatchSize: embedBatch }));
    try {
      row('start workers + wasm backend', `${openS.toFixed(2)} s; backbone inference on ${session.pool.inferenceName}`);
      const src = await sourceFromPath(BACKBONE);
      const [, loadS] = await timed(() => session.loadBackboneSource(BACKBONE, src));
      row(
        'load backbone (MobileNetV2 uint8 TFLite, every worker)',
        `${loadS.toFixed(2)} s; embedding in ${session.backbone?.int8 ? "int8 (the file's quantization)" : 'float'}`,
      );
      const out = path.join(cacheDir, 'model');
      const [res, trainS] = await timed(() =>
        session.trainHead({
          dataset: ds,
          out,
          head: headOptions(opts.epochs),
        }),
      );
      const e = res.embed;
      row('embed (decode + backbone, cache empty)', `${e.seconds.toFixed(1)} s for ${e.computed} images → ${e.imagesPerSecond.toFixed(1)} images/s`);
      row('  of which sharp decode (overlapped)', `${e.decodeSeconds.toFixed(1)} s summed over batches`);
      row('  load while embedding', loadAverage());
      // the same pictures through PyTorch (PIL decode, 2 threads, batch 32), right after
      const peer = await peerFigure('embed', { batch: 32, seconds: 30, files: ds.items.map((i) => i.file) });
      row('  vs PyTorch, same pictures, same run', ratioText(e.imagesPerSecond, peer));
      if (peer) row('  load while PyTorch embedded', loadAverage());
      if (session.pool.backend?.inference === 'onnxruntime') {
        const tfjs = await tfjsAloneEmbedding(
          ds.items.map((i) => i.file),
          { workers, embedBatch, src },
        );
        row(
          '  the same pictures on TensorFlow.js alone (--inference tfjs)',
          `${tfjs.toFixed(1)} images/s → ONNX Runtime ${(e.imagesPerSecond / tfjs).toFixed(2)}x`,
        );
        row('  vs PyTorch, TensorFlow.js alone', ratioText(tfjs, peer));
      }
      row('train head', `${res.timings.train.toFixed(2)} s (${res.history.length} epochs)`);
      row('embed + train + evaluate + save', `${trainS.toFixed(1)} s`);
      row('validation accuracy', percent(res.metrics));
      if (session.backbone?.int8) {
        const f = await floatRun(ds, { workers, embedBatch, src, epochs: opts.epochs });
        row(
          '  the same with float embeddings (--inference onnxruntime-float)',
          `${f.imagesPerSecond.toFixed(1)} images/s → int8 ${(e.imagesPerSecond / f.imagesPerSecond).toFixed(2)}x`,
        );
        row('  validation accuracy with float embeddings', percent(f.metrics));
      }
      row('peak RSS so far (process, workers included)', `${peakRssMb().toFixed(0)} MB`);
      // `petlab train` twice, as a user types it: the first with the CLI's defaults (which embed the
      // mirror images too, for flip), the second all from the cache
      const cli = () => {
        const t0 = performance.now();
        const r = spawnSync(
          process.execPath,
          [path.join(PROJECT_ROOT, 'bin', 'petlab.js'), 'train', '--data', d.dir, '--backbone', BACKBONE, '--out', out, '--backend', 'wasm', '--quiet'],
          { env: { ...process.env, PETLAB_CACHE_DIR: cacheDir }, encoding: 'utf8' },
        );
        return `${((performance.now() - t0) / 1000).toFixed(1)} s${r.status === 0 ? '' : ` (exit ${r.status}: ${r.stderr.trim().split('\n').pop()})`}`;
      };
      row('`petlab train` (CLI defaults: + mirror images), wall', cli());
      row('the same `petlab train` again (all cached), wall', cli());
    } finally {
      await session.close();
    }
  }
  row('machine', `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`.trim());
}

const headOptions = (epochs = 20) => benchHead(epochs);

function percent(m: { accuracy: number; n: number } | undefined): string {
  return `${((m?.accuracy ?? 0) * 100).toFixed(2)}% (${Math.round((m?.accuracy ?? 0) * (m?.n ?? 0))}/${m?.n})`;
}

/** The same head trained on float embeddings of the same backbone on ONNX Runtime: its pace and accuracy. */
async function floatRun(ds: Dataset, o: { workers: number; embedBatch: number; src: Awaited<ReturnType<typeof sourceFromPath>>; epochs?: number }) {
  const cacheDir = tempCache('frozen-float');
  const s = await Session.open({
    backend: 'wasm',
    inference: 'onnxruntime-float',
    workers: o.workers,
    cacheDir,
    resize: 'cover',
    embedBatchSize: o.embedBatch,
  });
  try {
    await s.loadBackboneSource(BACKBONE, o.src);
    const r = await s.trainHead({ dataset: ds, out: path.join(cacheDir, 'model'), head: headOptions(o.epochs) });
    return { imagesPerSecond: r.embed.imagesPerSecond, metrics: r.metrics };
  } finally {
    await s.close();
  }
}

/** Images/s embedding the files with the backbone on the wasm backend (no ONNX Runtime), cache empty. */
async function tfjsAloneEmbedding(
  files: string[],
  o: { workers: number; embedBatch: number; src: Awaited<ReturnType<typeof sourceFromPath>> },
): Promise<number> {
  const s = await Session.open({
    backend: 'wasm',
    inference: 'tfjs',
    workers: o.workers,
    cacheDir: tempCache('frozen-tfjs'),
    resize: 'cover',
    embedBatchSize: o.embedBatch,
  });
  try {
    await s.loadBackboneSource(BACKBONE, o.src);
    return (await s.embed(files, { useCache: false })).stats.imagesPerSecond;
  } finally {
    await s.close();
  }
}
