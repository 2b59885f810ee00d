/** The fake core session the workbench tests drive: it answers like the core, on cue. */
import path from 'node:path';
import type { EventSink } from '../../src/core/events.js';
import type { GradCamOutcome, Prediction, TrainHeadRequest, TrainOutcome } from '../../src/core/session.js';
import type { UnfreezePlan, UnfreezeSpec } from '../../src/core/backbones/segments.js';
import type { ActivationPage, ActivationRequest } from '../../src/core/explain/activations.js';
import type { FineTuneOutcome, FineTuneRunRequest } from '../../src/core/fine-tune-run.js';
import type { LrFindResult } from '../../src/core/train/lr-find.js';
import type { ReviewRequest, ReviewResult } from '../../src/core/review/run.js';
import type { Dataset } from '../../src/core/data/types.js';
import type { NeighbourIndex } from '../../src/core/review/neighbour-index.js';
import { fakeNeighbourIndex } from './fake-neighbours.js';
import type { PairsTrainOutcome, PairsTrainRequest, PairsVerdict } from '../../src/core/pairs/run.js';
import type { CoreBackbone, CoreEvaluation, CoreModelMeta, CoreSession, LrFindRequest } from '../../src/tui/controller/core-session.js';

/** The fake backbone's layers, input first: a stem, a depthwise block, a last conv, the pooled embedding. */
export const FAKE_LAYERS: CoreBackbone['layers'] = [
  { index: 0, name: 'input_1', type: 'InputLayer', outputShape: [null, 224, 224, 3], params: 0, trainable: false, part: 'backbone', inspectable: false },
  { index: 1, name: 'conv_stem', type: 'Conv2D', outputShape: [null, 112, 112, 8], params: 224, trainable: true, part: 'backbone', inspectable: true },
  {
    index: 2,
    name: 'block_1_depthwise',
    type: 'DepthwiseConv2D',
    outputShape: [null, 56, 56, 8],
    params: 80,
    trainable: true,
    part: 'backbone',
    inspectable: true,
  },
  { index: 3, name: 'block_1_project', type: 'Conv2D', outputShape: [null, 56, 56, 16], params: 144, trainable: true, part: 'backbone', inspectable: true },
  { index: 4, name: 'block_2_conv', type: 'Conv2D', outputShape: [null, 7, 7, 16], params: 272, trainable: true, part: 'backbone', inspectable: true },
  { index: 5, name: 'global_pool', type: 'GlobalAveragePooling2D', outputShape: [null, 16], params: 0, trainable: false, part: 'backbone', inspectable: true },
];

/** A session that answers like the core, on cue: training waits for `nextEpoch()` between epochs. */
export class FakeSession implements CoreSession {
  backendName = 'fakecpu';
  opts = { resize: 'cover' as const };
  activationCalls: Array<{ file: string; request: ActivationRequest }> = [];
  gradCamCalls: Array<{ file: string; className?: string }> = [];
  fineTuneRequests: FineTuneRunRequest[] = [];
  /** the epoch of the last fine-tuning checkpoint written */
  fineTuneCheckpoint = 0;
  lrFindRequests: LrFindRequest[] = [];
  /** set to make activations fail like a worker error */
  activationsError: Error | undefined;
  backbone: CoreBackbone | undefined;
  model: { dir: string; meta: CoreModelMeta } | undefined;
  stopped = false;
  predicted: string[] = [];
  trainRequests: TrainHeadRequest[] = [];
  /** set to make predict fail like a worker that died */
  predictError: Error | undefined;
  /** the probability predict gives the top class (set it to tell one model's predictions from another's) */
  predictTop = 0.93;
  /** the validation accuracy trainHead reports */
  headAccuracy = 1;
  private credits = 0;
  private wake: (() => void) | undefined;
  constructor(private onEvent: EventSink) {}

  async useBackbone(): Promise<CoreBackbone> {
    this.backbone = {
      spec: { name: 'fakenet', inputSize: [224, 224] },
      dim: 16,
      layers: FAKE_LAYERS,
    };
    this.onEvent({ type: 'info', message: `backbone fakenet: ${FAKE_LAYERS.length} layers` });
    return this.backbone;
  }

  /** let the running training finish its next epoch */
  nextEpoch(): void {
    this.credits++;
    this.wake?.();
  }

  private async epochAllowed(): Promise<void> {
    while (this.credits === 0 && !this.stopped) await new Promise<void>((r) => (this.wake = r));
    if (this.credits > 0) this.credits--;
  }

  async trainHead(req: TrainHeadRequest): Promise<TrainOutcome> {
    this.trainRequests.push(req);
    const e = this.onEvent;
    e({ type: 'phase', phase: 'embed', message: `embedding ${req.dataset.items.length} images with fakenet` });
    e({ type: 'progress', phase: 'embed', done: 6, total: 12, unit: 'images', rate: 42, etaSeconds: 1, detail: '' });
    e({ type: 'phase', phase: 'train', message: `training a linear head on 10 images (2 for validation), ${req.head.epochs} epochs`, epochs: req.head.epochs });
    const history = [];
    for (let i = 1; i <= req.head.epochs; i++) {
      await this.epochAllowed();
      if (this.stopped)
        return {
          modelDir: req.out,
          history,
          stopped: true,
          metrics: undefined,
          embed: { total: 12, cacheHits: 0, computed: 12, failed: 0, seconds: 1, imagesPerSecond: 12 } as never,
          skipped: [],
          timings: {},
        };
      const h = { epoch: i, loss: 1 / i, acc: 1 - 0.5 / i, valLoss: 1.2 / i, valAcc: 1 - 0.6 / i, lr: 0.001, seconds: 0.01 };
      history.push(h);
      e({ type: 'epoch', phase: 'train', epochs: req.head.epochs, ...h });
    }
    const metrics = {
      n: 2,
      accuracy: this.headAccuracy,
      loss: 0.1,
      perClass: req.dataset.classes.map((name) => ({ name, support: 1, correct: 1, accuracy: 1 })),
      confusion: [],
      mostConfused: [],
    };
    this.model = {
      dir: req.out,
      meta: { classes: req.dataset.classes, head: { hiddenUnits: req.head.hiddenUnits }, epochsDone: history.length, complete: true, metrics },
    };
    return {
      modelDir: req.out,
      history,
      stopped: false,
      metrics,
      embed: { total: 12, cacheHits: 0, computed: 12, failed: 0, seconds: 1, imagesPerSecond: 12 } as never,
      skipped: [],
      timings: {},
    };
  }

  async predict(files: string[]): Promise<Prediction[]> {
    if (this.predictError) throw this.predictError;
    this.predicted.push(...files);
    // "cats" for files under a cats folder, else "dogs": enough to see right and wrong
    return files.map((file) => {
      const cat = /cat/.test(path.basename(path.dirname(file))) || /cat\./.test(path.basename(file));
      return {
        file,
        top: [
          { className: cat ? 'cats' : 'dogs', index: cat ? 0 : 1, probability: this.predictTop },
          { className: cat ? 'dogs' : 'cats', index: cat ? 1 : 0, probability: 1 - this.predictTop },
        ],
      };
    });
  }

  /** two images of each of the first two classes; the second image of the second class is taken for the first */
  async evaluate(ds: Dataset): Promise<CoreEvaluation> {
    const metrics = {
      n: 4,
      accuracy: 0.75,
      loss: 0.3,
      perClass: ds.classes.map((name, i) => ({ name, support: 2, correct: 2 - i, accuracy: (2 - i) / 2 })),
      confusion: [],
      mostConfused: [],
    };
    const k = ds.classes.length;
    const items = [0, 1].flatMap((c) => ds.items.filter((i) => i.label === c).slice(0, 2));
    const probs = new Float32Array(items.length * k);
    items.forEach((it, i) => {
      const wrong = it.label === 1 && i === items.length - 1;
      const p = wrong ? 0 : it.label;
      for (let c = 0; c < k; c++) probs[i * k + c] = c === p ? 0.8 : 0.2 / (k - 1);
    });
    return { metrics, items, probs, labels: Int32Array.from(items.map((i) => i.label)), skipped: [] };
  }

  /** A page of made-up feature maps of the right shape: channel c's map is a ramp whose slope depends on c and the file. */
  async activations(file: string, request: ActivationRequest): Promise<ActivationPage> {
    this.activationCalls.push({ file, request });
    if (this.activationsError) throw this.activationsError;
    const head = request.layer.startsWith('head_');
    if (head && !this.model) throw new Error(`no layer "${request.layer}" in backbone fakenet`);
    const row = FAKE_LAYERS.find((l) => l.name === request.layer);
    if (!head && !row) throw new Error(`no layer "${request.layer}" in backbone fakenet`);
    const s = head
      ? [1, 1, request.layer === 'head_logits' ? this.model!.meta.classes.length : 8]
      : row!.outputShape.length === 4
        ? (row!.outputShape.slice(1) as number[])
        : [1, 1, row!.outputShape[1] as number];
    const [h, w, c] = s;
    const perPage = request.perPage ?? 16;
    const pages = Math.ceil(c / perPage);
    const page = Math.min(request.page ?? 0, pages - 1);
    const f = Math.ceil(Math.max(h, w) / (request.maxMapSize ?? 56));
    const mh = Math.max(1, Math.floor(h / f));
    const mw = Math.max(1, Math.floor(w / f));
    const chans = Array.from({ length: Math.min(perPage, c - page * perPage) }, (_, i) => (page * perPage + i * 5) % c);
    const seed = path.basename(file).length;
    const maps = new Float32Array(chans.length * mh * mw);
    const heat = new Uint8Array(maps.length);
    chans.forEach((ch, k) => {
      for (let i = 0; i < mh * mw; i++) {
        const v = ((i % mw) * (ch + 1) + Math.floor(i / mw) * seed) % 17;
        maps[k * mh * mw + i] = h * w === 1 ? (c - k) / c - (k % 3 === 2 ? 0.5 : 0) : v;
        heat[k * mh * mw + i] = Math.round((v / 16) * 255);
      }
    });
    const z = () => new Float32Array(c);
    return {
      layer: request.layer,
      type: head ? 'Dense' : row!.type,
      part: head ? 'head' : 'backbone',
      shape: [h, w, c],
      via: 'plan',
      page,
      pages,
      perPage,
      channels: chans.map((ch) => ({ channel: ch, mean: 0.5, max: 1, active: 0.5, strength: 0.5 })),
      firstRank: page * perPage,
      mapHeight: mh,
      mapWidth: mw,
      maps,
      heat,
      stats: { mean: z(), max: z(), active: z(), strength: z(), order: Int32Array.from({ length: c }, (_, i) => i) },
      timings: { forwardMs: 1, statsMs: 0, mapsMs: 0, reused: false },
    };
  }

  /** A 7x7 map with a blob in the middle, for the predicted class (or the one named). */
  async gradCam(file: string, o: { className?: string } = {}): Promise<GradCamOutcome> {
    this.gradCamCalls.push({ file, className: o.className });
    const classes = this.model!.meta.classes;
    const [p] = await this.predict([file]);
    const className = o.className ?? p.top[0].className;
    const classIndex = classes.indexOf(className);
    const cam = Float32Array.from({ length: 49 }, (_, i) => Math.max(0, 1 - (Math.abs((i % 7) - 3) + Math.abs(Math.floor(i / 7) - 3)) / 4));
    const probabilities = Float32Array.from(classes, (c) => p.top.find((t) => t.className === c)?.probability ?? 0);
    return {
      target: 'head',
      layer: 'block_2_conv',
      layerShape: [7, 7, 16],
      classIndex,
      score: 2,
      scoreKind: 'logit',
      probabilities,
      cam,
      camHeight: 7,
      camWidth: 7,
      camMax: 1,
      timings: { forwardMs: 1, gradMs: 1 },
      className,
      top: p.top,
    };
  }

  /** Blocks of the fake backbone: the stem, block 1 (depthwise + project), block 2 (conv + pool). */
  async planUnfreeze(spec: UnfreezeSpec): Promise<UnfreezePlan> {
    const segs = [['conv_stem'], ['block_1_depthwise', 'block_1_project'], ['block_2_conv', 'global_pool']];
    const paramsOf = (l: string) => FAKE_LAYERS.find((x) => x.name === l)!.params;
    const weighted = segs.map((s) => s.filter((l) => paramsOf(l) > 0).length);
    let n = spec.kind === 'all' ? 3 : spec.kind === 'blocks' ? Math.min(3, spec.n) : 0;
    if (spec.kind === 'percent') {
      let acc = 0;
      while (n < 3 && acc / 4 < spec.p / 100 - 1e-9) acc += weighted[2 - n++];
    }
    const trainableLayers = segs.slice(3 - n).flat();
    const frozenLayers = segs.slice(0, 3 - n).flat();
    const tp = trainableLayers.reduce((a, l) => a + paramsOf(l), 0);
    return {
      cut: n === 3 ? 'input_1' : n ? segs[2 - n].at(-1)! : 'global_pool',
      trainableLayers,
      frozenLayers,
      blocks: n,
      totalBlocks: 3,
      trainableParams: tp,
      totalParams: 1120,
      layerShare: trainableLayers.filter((l) => paramsOf(l) > 0).length / 4,
    };
  }

  /** Epochs with phase fine-tune, one per nextEpoch(), like trainHead. */
  async fineTune(req: FineTuneRunRequest): Promise<FineTuneOutcome> {
    this.fineTuneRequests.push(req);
    const e = this.onEvent;
    const plan = await this.planUnfreeze(req.unfreeze);
    e({ type: 'phase', phase: 'embed', message: 'computing frozen features of 10 training images × 4 views and 2 validation images' });
    e({
      type: 'phase',
      phase: 'fine-tune',
      message: `fine-tuning ${plan.trainableLayers.length} layers + head for ${req.options.epochs} epochs on 40 images (batch 32, peak lr 0.0005)`,
      epochs: req.options.epochs,
    });
    const history = [];
    // like the core: a resumed run starts after the checkpoint's epoch, and numbers on from it
    if (!req.resume) this.fineTuneCheckpoint = 0;
    for (let i = this.fineTuneCheckpoint + 1; i <= req.options.epochs; i++) {
      await this.epochAllowed();
      if (this.stopped)
        return { plan, history, stopped: true, earlyStopped: false, timings: { features: 1, fineTune: 1, evaluate: 0 }, trainImagesPerSecond: 10 };
      const h = { epoch: i, loss: 0.5 / i, acc: 1 - 0.2 / i, valLoss: 0.6 / i, valAcc: 1 - 0.25 / i, lr: 0.0005, seconds: 0.02 };
      history.push(h);
      this.fineTuneCheckpoint = i;
      e({ type: 'epoch', phase: 'fine-tune', epochs: req.options.epochs, ...h });
    }
    const metrics = {
      n: 2,
      accuracy: 1,
      loss: 0.05,
      perClass: req.dataset.classes.map((name) => ({ name, support: 1, correct: 1, accuracy: 1 })),
      confusion: [],
      mostConfused: [],
    };
    this.backbone = { ...this.backbone!, spec: { ...this.backbone!.spec, name: 'fakenet (fine-tuned)' } };
    this.model = { dir: req.out, meta: { ...this.model!.meta, epochsDone: this.model!.meta.epochsDone + history.length, metrics } };
    return { plan, history, stopped: false, earlyStopped: false, metrics, timings: { features: 1, fineTune: 1, evaluate: 0 }, trainImagesPerSecond: 10 };
  }

  /** A U-shaped loss over a log-spaced sweep; the steepest fall is near 1e-3. */
  async lrFind(req: LrFindRequest): Promise<LrFindResult> {
    this.lrFindRequests.push(req);
    this.onEvent({ type: 'phase', phase: 'lr-find', message: `sweeping the learning rate from ${req.startLr} to ${req.endLr}` });
    await this.epochAllowed();
    const points = Array.from({ length: 100 }, (_, i) => {
      const lr = req.startLr * (req.endLr / req.startLr) ** (i / 99);
      const x = Math.log10(lr);
      const loss = 0.7 / (1 + Math.exp(2.5 * (x + 3))) + 0.1 + (x > -0.5 ? (x + 0.5) ** 2 : 0);
      return { lr, loss, smoothed: loss };
    });
    return { points, suggestion: 1e-3, minOver10: 1e-2, lossRose: true };
  }

  reviewRequests: ReviewRequest[] = [];
  /** The review doubts the first two pictures of the first class (it suggests the second class). */
  async review(req: ReviewRequest): Promise<ReviewResult> {
    this.reviewRequests.push(req);
    const ds = req.dataset;
    const suspects = ds.items.map((it, row) => ({
      file: it.file,
      label: ds.classes[it.label],
      suggested: ds.classes[(it.label + 1) % ds.classes.length],
      row,
      loss: 0,
      score: it.label === 0 && row < 2 ? 0.8 - row * 0.2 : -0.9,
    }));
    suspects.sort((a, b) => b.score - a.score);
    const dim = 4;
    return {
      classes: ds.classes,
      items: ds.items,
      suspects,
      duplicates: [],
      index: { unit: new Float32Array(ds.items.length * dim), dim },
      folds: 5,
      accuracy: 0.9,
      skipped: [],
      timings: { embed: 0, folds: 0, duplicates: 0 },
      cacheHits: 0,
    };
  }

  neighbourIndexCalls: Dataset[] = [];
  /** set to hold the index back until it resolves (meanwhile the pane shows the embedding's progress) */
  neighboursHeld: Promise<void> | undefined;
  async neighbourIndex(ds: Dataset): Promise<NeighbourIndex> {
    this.neighbourIndexCalls.push(ds);
    return fakeNeighbourIndex(ds, this.onEvent, this.neighboursHeld);
  }

  pairsTrainRequests: PairsTrainRequest[] = [];
  pairsCompares: Array<{ dir: string; a: string; b: string }> = [];
  /** Pairs training (nothing written): two epochs, at once. */
  async pairsTrain(req: PairsTrainRequest): Promise<PairsTrainOutcome> {
    this.pairsTrainRequests.push(req);
    const history = [1, 2].map((epoch) => ({ epoch, loss: 0.5 / epoch, acc: 0.8 + 0.05 * epoch, valLoss: 0, valAcc: 0, lr: 0.001, seconds: 0.01 }));
    const classes = req.dataset.classes;
    return { modelDir: req.out, classes, excluded: [], images: req.dataset.items.length, history, stopped: false, timings: { embed: 0, train: 0 } };
  }

  /** Same class when both pictures are in folders of the same name: P(same) 0.87, else 0.12. */
  async pairsCompare(dir: string, a: string, b: string): Promise<PairsVerdict> {
    this.pairsCompares.push({ dir, a, b });
    const same = path.basename(path.dirname(a)) === path.basename(path.dirname(b));
    return { same, probability: same ? 0.87 : 0.12, cosine: same ? 0.71 : 0.2 };
  }

  async loadModel(dir: string): Promise<CoreModelMeta> {
    const meta = { classes: ['cats', 'dogs'], head: { hiddenUnits: 0 }, epochsDone: 3, complete: true, metrics: { accuracy: 0.9 } };
    this.model = { dir, meta };
    if (!this.backbone) await this.useBackbone();
    return meta;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  resetStop(): void {
    this.stopped = false;
  }

  async close(): Promise<void> {}
}
