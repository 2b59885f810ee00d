/**
 * The workbench in ink-testing-library with a fake core session: what a user sees (frames) and
 * what they type (keys), without TensorFlow.
 */

import path from 'node:path';
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { loadSettings } from '../../src/core/settings.js';
import { WorkbenchController, type ControllerDeps } from '../../src/tui/controller/controller.js';
import { buildKeymap, readDefaultKeymap, type Keymap } from '../../src/tui/keys/keymap.js';
import { WorkbenchStore } from '../../src/tui/state/store.js';
import { initialState } from '../../src/tui/state/types.js';
import { Workbench } from '../../src/tui/Workbench.js';
import { leaf, makeLayout, split, type Layout } from '../../src/tui/layout/tree.js';
import { CATS_DOGS, listData, tempDir } from './shared.js';
import { linkDataset } from './cli.js';
import { FakeSession } from './fake-session.js';

export { FakeSession, FAKE_LAYERS } from './fake-session.js';

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
  const pick = (c: string) =>
    listData(path.join(CATS_DOGS, c))
      .slice(0, 6)
      .map((f) => `${c}/${f}`);
  return linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
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
  /** with startLater: start the controller now */
  start?(): void;
}

export interface MountOptions {
  data?: string;
  /** --model: the model start-up loads */
  model?: string;
  columns?: number;
  rows?: number;
  keymap?: Keymap;
  /** never resolve the session: TensorFlow "still starting" */
  tfNeverStarts?: boolean;
  deps?: Partial<ControllerDeps>;
  settings?: Partial<ReturnType<typeof loadSettings>>;
  /** the panes to start with (default: the workbench's four) */
  layout?: Layout;
  /** petlab's data folder (saved models, the last model per dataset); default: a new temp folder */
  dataDir?: string;
  cacheDir?: string;
  /** start the controller (dataset, TensorFlow) only at m.start(), as launch.ts does once the keys typed at first sight are answered */
  startLater?: boolean;
}

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

export function mount(o: MountOptions = {}): Mounted {
  const settings = { ...loadSettings(), epochs: 3, ...o.settings };
  const store = new WorkbenchStore(initialState('fakenet', o.model), { maxPerSecond: 100 });
  let resolveSession: (s: FakeSession) => void = () => undefined;
  const sessionP = new Promise<FakeSession>((r) => (resolveSession = r));
  const controller = new WorkbenchController(
    store,
    {
      data: o.data,
      model: o.model,
      backbone: 'fakenet',
      cacheDir: o.cacheDir ?? '/nonexistent-cache',
      dataDir: o.dataDir ?? tempDir('petlab-tui-data-'),
      settings,
    },
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
    createElement(Workbench, {
      store,
      controller,
      keymap: o.keymap ?? buildKeymap(readDefaultKeymap()),
      columns: o.columns ?? 100,
      rows: o.rows ?? 32,
      initialLayout: o.layout,
      onQuit: () => void m.quits++,
    }),
  );
  // as launch.ts does it: TensorFlow starts once the keys typed at first sight are answered
  const start = () => void controller.start();
  if (o.startLater) m.start = start;
  else start();
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

type AfterTest = { after(fn: () => void): void };

/** Mount the workbench (unmounted after the test) and wait until it is ready. */
export async function mountReady(t: AfterTest, o: MountOptions = {}): Promise<{ m: Mounted; s: FakeSession }> {
  const m = mount(o);
  t.after(m.unmount);
  const s = await m.session();
  await m.ready();
  return { m, s };
}

/** Mount the workbench, wait until it is ready, and train its (fake) head. */
export async function mountTrained(t: AfterTest, o: MountOptions = {}): Promise<{ m: Mounted; s: FakeSession }> {
  const r = await mountReady(t, o);
  await trainHead(r.m);
  return r;
}

/** Mount the workbench (unmounted after the test), wait until it is ready, and start a (fake) training. */
export async function mountTraining(t: AfterTest, o: MountOptions = {}): Promise<{ m: Mounted; s: FakeSession }> {
  const { m, s } = await mountReady(t, o);
  await m.press(KEYS.alt('t'));
  await m.waitFor(/training 0\//);
  return { m, s };
}

/** Dataset and Model stack on the left; Activations and Predictions on the right. */
export const explainLayout = () =>
  makeLayout(split('h', split('v', leaf(1, 'dataset'), leaf(2, 'model')), split('v', leaf(3, 'activations'), leaf(4, 'predictions'))));

/** The lines of one pane (its box's rows between the borders), found by its title. */
export function paneText(frame: string, title: string): string {
  const lines = stripAnsi(frame).split('\n');
  const top = lines.findIndex((l) => l.includes(` ${title}`));
  if (top < 0) return '';
  const x = lines[top].indexOf(` ${title}`) - 2;
  const right = [...lines[top]].findIndex((ch, i) => i > x + 1 && '┐┓'.includes(ch));
  const out: string[] = [];
  for (let y = top + 1; y < lines.length && !'└┗'.includes([...lines[y]][x] ?? ''); y++) out.push([...lines[y]].slice(x + 1, right).join(''));
  return out.join('\n');
}

/** Train the (fake) head for its 3 epochs and wait until the workbench says so. */
export async function trainHead(m: Mounted): Promise<void> {
  const s = await m.session();
  await m.ready();
  m.store.clearFlash();
  await m.press(KEYS.alt('t'));
  for (let i = 0; i < 3; i++) {
    await m.waitFor(new RegExp(`training ${i}/3`));
    s.nextEpoch();
  }
  await m.waitFor(/· trained/);
}
