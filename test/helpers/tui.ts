/**
 * The workbench in ink-testing-library with a fake core session: what a user sees (frames) and
 * what they type (keys), without TensorFlow.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import type { EventSink } from '../../src/core/events.js';
import type { Prediction, TrainHeadRequest, TrainOutcome } from '../../src/core/session.js';
import type { Dataset } from '../../src/core/data/types.js';
import { loadSettings } from '../../src/core/settings.js';
import { WorkbenchController, type ControllerDeps } from '../../src/tui/controller/controller.js';
import type { CoreBackbone, CoreModelMeta, CoreSession } from '../../src/tui/controller/core-session.js';
import { buildKeymap, readDefaultKeymap, type Keymap } from '../../src/tui/keys/keymap.js';
import { WorkbenchStore } from '../../src/tui/state/store.js';
import { initialState } from '../../src/tui/state/types.js';
import { Workbench } from '../../src/tui/Workbench.js';
import { CATS_DOGS } from './shared.js';
import { linkDataset } from './cli.js';

export const KEYS = {
  enter: '\r',
  esc: '\x1b',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  tab: '\t',
  backspace: '\x7f',
  ctrlC: '\x03',
  prefix: '\x06', // ctrl+f
  alt: (k: string) => `\x1b${k}`,
};

/** A small real dataset (links to ../shared): 6 cats, 6 dogs. */
export function smallDataset(): string {
  const pick = (c: string) => readdirSync(path.join(CATS_DOGS, c)).sort().slice(0, 6).map((f) => `${c}/${f}`);
  return linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
}

/** A session that answers like the core, on cue: training waits for `nextEpoch()` between epochs. */
export class FakeSession implements CoreSession {
  backendName = 'fakecpu';
  backbone: CoreBackbone | undefined;
  model: { dir: string; meta: CoreModelMeta } | undefined;
  stopped = false;
  predicted: string[] = [];
  trainRequests: TrainHeadRequest[] = [];
  /** set to make predict fail like a worker that died */
  predictError: Error | undefined;
  private credits = 0;
  private wake: (() => void) | undefined;
  constructor(private onEvent: EventSink) {}

  async useBackbone(): Promise<CoreBackbone> {
    this.backbone = {
      spec: { name: 'fakenet', inputSize: [224, 224] },
      dim: 16,
      layers: [
        { index: 0, name: 'input_1', type: 'InputLayer', outputShape: [null, 224, 224, 3], params: 0, trainable: false, part: 'backbone', inspectable: false },
        { index: 1, name: 'conv_stem', type: 'Conv2D', outputShape: [null, 112, 112, 8], params: 224, trainable: true, part: 'backbone', inspectable: true },
        { index: 2, name: 'global_pool', type: 'GlobalAveragePooling2D', outputShape: [null, 16], params: 0, trainable: false, part: 'backbone', inspectable: true },
      ],
    };
    this.onEvent({ type: 'info', message: 'backbone fakenet: 3 layers' });
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
    e({ type: 'phase', phase: 'train', message: `training a linear head on 10 images (2 for validation), ${req.head.epochs} epochs` });
    const history = [];
    for (let i = 1; i <= req.head.epochs; i++) {
      await this.epochAllowed();
      if (this.stopped) return { modelDir: req.out, history, stopped: true, metrics: undefined, embed: { total: 12, cacheHits: 0, computed: 12, failed: 0, seconds: 1, imagesPerSecond: 12 } as never, skipped: [], timings: {} };
      const h = { epoch: i, loss: 1 / i, acc: 1 - 0.5 / i, valLoss: 1.2 / i, valAcc: 1 - 0.6 / i, lr: 0.001, seconds: 0.01 };
      history.push(h);
      e({ type: 'epoch', phase: 'train', epochs: req.head.epochs, ...h });
    }
    const metrics = { n: 2, accuracy: 1, loss: 0.1, perClass: req.dataset.classes.map((name) => ({ name, support: 1, correct: 1, accuracy: 1 })), confusion: [], mostConfused: [] };
    this.model = { dir: req.out, meta: { classes: req.dataset.classes, head: { hiddenUnits: req.head.hiddenUnits }, epochsDone: history.length, complete: true, metrics } };
    return { modelDir: req.out, history, stopped: false, metrics, embed: { total: 12, cacheHits: 0, computed: 12, failed: 0, seconds: 1, imagesPerSecond: 12 } as never, skipped: [], timings: {} };
  }

  async predict(files: string[]): Promise<Prediction[]> {
    if (this.predictError) throw this.predictError;
    this.predicted.push(...files);
    // "cats" for files under a cats folder, else "dogs": enough to see right and wrong
    return files.map((file) => {
      const cat = /cat/.test(path.basename(path.dirname(file))) || /cat\./.test(path.basename(file));
      return { file, top: [{ className: cat ? 'cats' : 'dogs', index: cat ? 0 : 1, probability: 0.93 }, { className: cat ? 'dogs' : 'cats', index: cat ? 1 : 0, probability: 0.07 }] };
    });
  }

  async evaluate(ds: Dataset) {
    const metrics = { n: 4, accuracy: 0.75, loss: 0.3, perClass: ds.classes.map((name, i) => ({ name, support: 2, correct: 2 - i, accuracy: (2 - i) / 2 })), confusion: [], mostConfused: [] };
    return { metrics, skipped: [] };
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

export interface Mounted {
  frame(): string;
  press(...keys: string[]): Promise<void>;
  /** wait until the frame matches (or the predicate holds) */
  waitFor(what: RegExp | ((f: string) => boolean), ms?: number): Promise<string>;
  session(): Promise<FakeSession>;
  /** dataset read, TensorFlow (fake) up, backbone loaded */
  ready(): Promise<string>;
  store: WorkbenchStore;
  controller: WorkbenchController;
  quits: number;
  unmount(): void;
}

export interface MountOptions {
  data?: string;
  columns?: number;
  rows?: number;
  keymap?: Keymap;
  /** never resolve the session: TensorFlow "still starting" */
  tfNeverStarts?: boolean;
  deps?: Partial<ControllerDeps>;
  settings?: Partial<ReturnType<typeof loadSettings>>;
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export function mount(o: MountOptions = {}): Mounted {
  const settings = { ...loadSettings(), epochs: 3, ...o.settings };
  const store = new WorkbenchStore(initialState('fakenet'), { maxPerSecond: 100 });
  let resolveSession: (s: FakeSession) => void = () => undefined;
  const sessionP = new Promise<FakeSession>((r) => (resolveSession = r));
  const controller = new WorkbenchController(
    store,
    { data: o.data, backbone: 'fakenet', cacheDir: '/nonexistent-cache', settings },
    {
      openSession: async (onEvent) => {
        if (o.tfNeverStarts) return new Promise<never>(() => undefined);
        const s = new FakeSession(onEvent);
        resolveSession(s);
        return s;
      },
      ...o.deps,
    },
  );
  const m: Mounted = {
    quits: 0,
    store,
    controller,
    frame: () => '',
    press: async () => undefined,
    waitFor: async () => '',
    session: () => sessionP,
    ready: () => m.waitFor((f) => /2 classes/.test(stripAnsi(f)) && /· idle/.test(stripAnsi(f)) && m.store.get().dataset.status === 'ready'),
    unmount: () => undefined,
  };
  const inst = render(
    createElement(Workbench, { store, controller, keymap: o.keymap ?? buildKeymap(readDefaultKeymap()), columns: o.columns ?? 100, rows: o.rows ?? 32, onQuit: () => void m.quits++ }),
  );
  void controller.start();
  m.frame = () => inst.lastFrame() ?? '';
  m.press = async (...keys: string[]) => {
    for (const k of keys) {
      inst.stdin.write(k);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  m.waitFor = async (what, ms = 3000) => {
    const ok = typeof what === 'function' ? what : (f: string) => what.test(stripAnsi(f));
    const t0 = Date.now();
    for (;;) {
      const f = m.frame();
      if (ok(f)) return f;
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\n--- last frame ---\n${stripAnsi(f)}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  m.unmount = () => {
    inst.unmount();
    store.dispose();
  };
  return m;
}
