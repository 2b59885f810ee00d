/**
 * Speed of the explain views on wasm (one worker, as the TUI uses them): a page of feature maps
 * (forward to the layer in the worker + per-channel statistics + the grid laid out and drawn), for
 * MobileNetV2's 112x112x96 expanded layer and its 7x7x1280 last conv; paging within a layer; PNG
 * encoding; Grad-CAM at the default and an earlier layer.
 *
 *   npx tsx bench/activations.ts [--reps 7]      or call benchActivations() from bench/run.ts
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { renderActivationGrid } from '../src/core/explain/activation-grid.js';
import { activationGridPng } from '../src/core/explain/png.js';
import { Session } from '../src/core/session.js';
import { heading, row, SHARED, tempCache } from './lib.js';

const BACKBONE = path.join(SHARED, 'models', 'mobilenet_v2_1.0_224_quant', 'tfjs-reference');
const IMAGE = path.join(SHARED, 'data', 'sample-photos', 'cat_720p.jpg');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeMs(reps: number, f: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  await f(); // warm-up: JIT, wasm kernels, decoded image
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return { median: median(times), min: Math.min(...times) };
}

const fmt = (t: { median: number; min: number }) => `${t.median.toFixed(0)} ms (median; best ${t.min.toFixed(0)} ms)`;

export interface ActivationsBenchResult {
  grid112x112x96Ms: number;
  grid7x7Ms: number;
  pageTurnMs: number;
  gradCamMs: number;
  gradCamEarlyMs: number;
}

export async function benchActivations(opts: { reps?: number; perPage?: number } = {}): Promise<ActivationsBenchResult> {
  const reps = opts.reps ?? 7;
  const perPage = opts.perPage ?? 32;
  heading(`explain views: activations grid and Grad-CAM (wasm, 1 worker, MobileNetV2, ${perPage} channels a page, median of ${reps})`);
  const session = await Session.open({ backend: 'wasm', workers: 1, cacheDir: tempCache('activations'), resize: 'cover', embedBatchSize: 8 });
  try {
    await session.loadBackboneSource(BACKBONE, await sourceFromPath(BACKBONE));
    const before = await session.pool.main.call('memory', undefined);
    // the full path a redraw takes: worker forward + statistics + maps, then the grid drawn (TUI) or encoded (CLI)
    const grid =
      (layer: string, reuse: boolean, page = 0) =>
      async () => {
        const p = await session.activations(IMAGE, { layer, perPage, page, maxMapSize: 112, reuse });
        renderActivationGrid(p);
        return p;
      };
    const big = await timeMs(reps, grid('MobilenetV2_expanded_conv_1_expand', false));
    const p = await session.activations(IMAGE, { layer: 'MobilenetV2_expanded_conv_1_expand', perPage, maxMapSize: 112, reuse: false });
    row('grid 112x112x96 (forward + stats + grid)', `${fmt(big)}  ${big.median < 300 ? '< 300 ms ✓' : '≥ 300 ms ✗'}`);
    row('  in the worker: forward / stats / maps', `${p.timings.forwardMs.toFixed(0)} / ${p.timings.statsMs.toFixed(0)} / ${p.timings.mapsMs.toFixed(0)} ms`);
    let pageNo = 0;
    const turn = await timeMs(reps, () => grid('MobilenetV2_expanded_conv_1_expand', true, (pageNo = (pageNo + 1) % 3))());
    row('  next page, same layer (output reused)', fmt(turn));
    const png = await timeMs(reps, () => activationGridPng(p));
    row('  PNG encode of that grid (CLI only)', fmt(png));
    const late = await timeMs(reps, grid('MobilenetV2_Conv_1_Relu6', false));
    row('grid 7x7x1280 (Conv_1, same steps)', fmt(late));
    const cam = await timeMs(reps, () => session.gradCam(IMAGE));
    row('Grad-CAM, default layer (Conv_1 7x7x1280)', fmt(cam));
    const early = await timeMs(Math.max(3, Math.floor(reps / 2)), () => session.gradCam(IMAGE, { layer: 'MobilenetV2_expanded_conv_16_expand' }));
    row('Grad-CAM at expanded_conv_16_expand', fmt(early));
    const mem = await session.pool.main.call('memory', undefined);
    // equal counts: 50-odd redraws and Grad-CAMs left nothing behind in the worker
    row('worker tensors: backbone loaded / after all runs', `${before.numTensors} / ${mem.numTensors}`);
    return { grid112x112x96Ms: big.median, grid7x7Ms: late.median, pageTurnMs: turn.median, gradCamMs: cam.median, gradCamEarlyMs: early.median };
  } finally {
    await session.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--reps');
  await benchActivations({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
