import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/load.js';
import { summarizeLayers } from '../backbones/layer-summary.js';
import { forwardLayers, inputLayerName } from './graph.js';
import { backboneLayerOutput } from './layer-output.js';
import { resolveInspectableLayer, type ExplainLayerRow } from './layers.js';

/**
 * What one layer does with one image: its feature maps, per-channel statistics, channels ordered
 * strongest first and paged. Runs where the tensors are (the worker); returns plain numbers that a
 * TUI draws as a grid of small heat maps and the CLI turns into a PNG (see activation-grid.ts).
 */

export interface ChannelStats {
  channel: number;
  /** mean activation over the map */
  mean: number;
  max: number;
  /** fraction of positions where the channel is > 0 */
  active: number;
  /** mean |activation|: how the channels are ordered */
  strength: number;
}

export interface ActivationRequest {
  layer: string;
  /** 0-based page of channels, strongest first */
  page?: number;
  perPage?: number;
  /** maps larger than this (height or width) are average-pooled down by a whole factor */
  maxMapSize?: number;
  /** heat values scaled per channel (patterns show best) or over the page (strengths compare) */
  normalize?: 'channel' | 'page';
  /** reuse the last computed layer output for the same image and layer (paging); default true */
  reuse?: boolean;
}

export interface ActivationPage {
  layer: string;
  type: string;
  part: 'backbone' | 'head';
  /** layer output without the batch axis: [h, w, c], or [1, 1, units] for a dense layer */
  shape: [number, number, number];
  via: 'plan' | 'unfused';
  /** set when the layer was computed unfused: what that means, for the user */
  note?: string;
  page: number;
  pages: number;
  perPage: number;
  /** this page's channels, strongest first */
  channels: ChannelStats[];
  /** rank (0 = strongest) of channels[0] */
  firstRank: number;
  mapHeight: number;
  mapWidth: number;
  /** channels.length maps of mapHeight x mapWidth, row-major, raw (downscaled) activations */
  maps: Float32Array;
  /** the same maps as 0..255 heat values (see ActivationRequest.normalize) */
  heat: Uint8Array;
  /** every channel's statistics, indexed by channel; order = channels strongest first */
  stats: { mean: Float32Array; max: Float32Array; active: Float32Array; strength: Float32Array; order: Int32Array };
  timings: { forwardMs: number; statsMs: number; mapsMs: number; reused: boolean };
}

export interface ActivationModels {
  backbone: Backbone;
  head?: tf.LayersModel;
}

export const DEFAULT_PER_PAGE = 16;
export const DEFAULT_MAX_MAP_SIZE = 56;

/** Every layer of the backbone (to the embedding) and of the head, marked inspectable or not. */
export function explainLayerRows(m: ActivationModels): ExplainLayerRow[] {
  const bbRows = m.backbone.layers().map((r) => ({ ...r, fusedAway: !m.backbone.plan.visible.has(r.name) }));
  const headRows = m.head ? summarizeLayers(m.head, 'head').map((r) => ({ ...r, fusedAway: false })) : [];
  return [...bbRows, ...headRows];
}

// ---- one-entry cache: paging through a layer's channels reuses its output (plain floats, no tensors kept) ----

interface Computed {
  key: string;
  /** [h, w, c] channels-last */
  values: Float32Array;
  h: number;
  w: number;
  c: number;
  via: 'plan' | 'unfused';
  from?: string;
  stats: ActivationPage['stats'];
  forwardMs: number;
  statsMs: number;
}
let cached: Computed | undefined;
const modelIds = new WeakMap<object, number>();
let nextModelId = 1;
function idOf(o: object | undefined): number {
  if (!o) return 0;
  let id = modelIds.get(o);
  if (!id) modelIds.set(o, (id = nextModelId++));
  return id;
}

/** Forget the kept layer output (when models change or the worker is released). */
export function clearActivationCache(): void {
  cached = undefined;
}

function pixelsKey(pixels: Uint8Array): string {
  return createHash('sha1').update(pixels).digest('hex');
}

/** uint8 RGB pixels of one image at the backbone's input size → [1, h, w, 3] int32 tensor. */
export function imageTensor(bb: Backbone, pixels: Uint8Array): tf.Tensor4D {
  const [h, w] = bb.spec.inputSize;
  if (pixels.length !== h * w * 3) throw new Error(`expected ${h}x${w}x3 pixels, got ${pixels.length} values`);
  return tf.tensor4d(Int32Array.from(pixels), [1, h, w, 3], 'int32');
}

/** The layer's output for one image as [1, h, w, c] (dense outputs become [1, 1, 1, units]). */
function layerOutput4d(m: ActivationModels, row: ExplainLayerRow, pixels: tf.Tensor4D): { y: tf.Tensor4D; via: 'plan' | 'unfused'; from?: string } {
  if (row.part === 'head') {
    const head = m.head!;
    const y = tf.tidy(() => {
      const emb = m.backbone.embed(pixels);
      const out = forwardLayers(head, new Map([[inputLayerName(head), emb]]), row.name);
      return out.reshape([1, 1, 1, -1]) as tf.Tensor4D;
    });
    return { y, via: 'plan' };
  }
  const x = m.backbone.preprocess(pixels);
  try {
    const out = backboneLayerOutput(m.backbone, x, row.name);
    if (out.y.rank === 4) return { y: out.y as tf.Tensor4D, via: out.via, from: out.from };
    const y = tf.tidy(() => out.y.reshape([1, 1, 1, -1]) as tf.Tensor4D);
    out.y.dispose();
    return { y, via: out.via, from: out.from };
  } finally {
    x.dispose();
  }
}

/** Per-channel statistics of channels-last values (n positions x c channels), strongest first. */
export function channelStats(values: Float32Array, c: number): ActivationPage['stats'] {
  const n = values.length / c;
  const mean = new Float32Array(c);
  const max = new Float32Array(c).fill(-Infinity);
  const active = new Float32Array(c);
  const strength = new Float32Array(c);
  // accumulate in float64: 12544 positions of float32 would lose digits
  const sum = new Float64Array(c);
  const abs = new Float64Array(c);
  const pos = new Float64Array(c);
  for (let i = 0, k = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++, k++) {
      const v = values[k];
      sum[ch] += v;
      if (v > 0) {
        pos[ch]++;
        abs[ch] += v;
      } else abs[ch] -= v;
      if (v > max[ch]) max[ch] = v;
    }
  }
  for (let ch = 0; ch < c; ch++) {
    mean[ch] = sum[ch] / n;
    active[ch] = pos[ch] / n;
    strength[ch] = abs[ch] / n;
  }
  const order = Int32Array.from({ length: c }, (_, i) => i).sort((a, b) => strength[b] - strength[a] || a - b);
  return { mean, max, active, strength, order };
}

/** Channels `chans` of channels-last [h, w, c] values, each averaged down by f x f blocks, one map after another. */
function pooledMaps(v: Float32Array, h: number, w: number, c: number, chans: number[], f: number): { maps: Float32Array; mh: number; mw: number } {
  const mh = Math.max(1, Math.floor(h / f));
  const mw = Math.max(1, Math.floor(w / f));
  const fh = Math.min(f, h);
  const fw = Math.min(f, w);
  const maps = new Float32Array(chans.length * mh * mw);
  const inv = 1 / (fh * fw);
  chans.forEach((ch, k) => {
    let o = k * mh * mw;
    for (let my = 0; my < mh; my++) {
      for (let mx = 0; mx < mw; mx++, o++) {
        let acc = 0;
        for (let dy = 0; dy < fh; dy++) {
          let idx = ((my * fh + dy) * w + mx * fw) * c + ch;
          for (let dx = 0; dx < fw; dx++, idx += c) acc += v[idx];
        }
        maps[o] = acc * inv;
      }
    }
  });
  return { maps, mh, mw };
}

/** Per-channel 0..255 heat of k maps of n values each. */
function heatValues(maps: Float32Array, k: number, n: number, mode: 'channel' | 'page'): Uint8Array {
  const heat = new Uint8Array(maps.length);
  const range = (from: number, to: number): [number, number] => {
    // 0 stays the bottom of the scale for non-negative maps, so a dead channel is dark
    let lo = 0;
    let hi = 0;
    for (let i = from; i < to; i++) {
      const v = maps[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi];
  };
  const page = range(0, maps.length);
  for (let ch = 0; ch < k; ch++) {
    const [lo, hi] = mode === 'page' ? page : range(ch * n, (ch + 1) * n);
    const s = hi > lo ? 255 / (hi - lo) : 0;
    for (let i = ch * n; i < (ch + 1) * n; i++) heat[i] = Math.round((maps[i] - lo) * s);
  }
  return heat;
}

/**
 * One page of a layer's feature maps for one image (uint8 RGB pixels, row-major, at the
 * backbone's input size). Throws a PetlabError for an unknown or non-inspectable layer.
 */
export async function computeActivations(m: ActivationModels, pixels: Uint8Array, req: ActivationRequest, rows = explainLayerRows(m)): Promise<ActivationPage> {
  const row = resolveInspectableLayer(rows, req.layer, m.head ? 'the backbone or the head' : `backbone ${m.backbone.spec.name}`);
  const perPage = Math.max(1, Math.floor(req.perPage ?? DEFAULT_PER_PAGE));
  const maxMap = Math.max(1, Math.floor(req.maxMapSize ?? DEFAULT_MAX_MAP_SIZE));
  const key = `${idOf(m.backbone)}:${idOf(m.head)}:${row.part}:${row.name}:${pixelsKey(pixels)}`;
  let reused = false;
  if (req.reuse !== false && cached?.key === key) reused = true;
  else {
    clearActivationCache();
    let t = performance.now();
    const input = imageTensor(m.backbone, pixels);
    let out: ReturnType<typeof layerOutput4d>;
    try {
      out = layerOutput4d(m, row, input);
    } finally {
      input.dispose();
    }
    const [, h, w, c] = out.y.shape;
    const values = (await out.y.data().finally(() => out.y.dispose())) as Float32Array;
    const forwardMs = performance.now() - t;
    t = performance.now();
    const stats = channelStats(values, c);
    cached = { key, values, h, w, c, via: out.via, from: out.from, stats, forwardMs, statsMs: performance.now() - t };
  }
  const cur = cached!;
  const { h, w, c } = cur;
  const pages = Math.ceil(c / perPage);
  const page = Math.min(Math.max(0, Math.floor(req.page ?? 0)), pages - 1);
  const firstRank = page * perPage;
  const chans = Array.from(cur.stats.order.subarray(firstRank, Math.min(c, firstRank + perPage)));
  const t = performance.now();
  const { maps, mh, mw } = pooledMaps(cur.values, h, w, c, chans, Math.ceil(Math.max(h, w) / maxMap));
  const normalize = req.normalize ?? (h * w === 1 ? 'page' : 'channel');
  const heat = heatValues(maps, chans.length, mh * mw, normalize);
  const s = cur.stats;
  return {
    layer: row.name,
    type: row.type,
    part: row.part,
    shape: [h, w, c],
    via: cur.via,
    note:
      cur.via === 'unfused' ? `${row.name} is folded into a fused convolution in the fast inference plan: computed layer by layer from ${cur.from}` : undefined,
    page,
    pages,
    perPage,
    channels: chans.map((ch) => ({ channel: ch, mean: s.mean[ch], max: s.max[ch], active: s.active[ch], strength: s.strength[ch] })),
    firstRank,
    mapHeight: mh,
    mapWidth: mw,
    maps,
    heat,
    stats: { mean: s.mean.slice(), max: s.max.slice(), active: s.active.slice(), strength: s.strength.slice(), order: s.order.slice() },
    timings: { forwardMs: reused ? 0 : cur.forwardMs, statsMs: reused ? 0 : cur.statsMs, mapsMs: performance.now() - t, reused },
  };
}
