/**
 * `petlab` in a terminal: the workbench. Draws its first frame before TensorFlow is loaded (the
 * core's Session, which imports @tensorflow/tfjs and starts worker threads, is imported and opened
 * after that frame), runs in the alternate screen and restores the terminal on every way out: q,
 * Ctrl-C, a signal, an error.
 *
 * Diagnostics: PETLAB_TUI_LAG_LOG=FILE appends start-up marks, event-loop stalls over 50 ms,
 * key-to-frame times and each frame's bytes; PETLAB_TUI_KEY_LOG=FILE appends every key as the router
 * handles it; PETLAB_TUI_WHOLE_FRAMES=1 paints every frame whole (as Ink does), not the rows that changed.
 */
import { appendFileSync } from 'node:fs';
import { format, parseArgs } from 'node:util';
import { INFERENCE_PREFERENCES, type InferencePreference } from '../core/backend/names.js';
import type { Settings } from '../core/settings.js';
import type { OpenSession } from './controller/core-session.js';
import { quietStart, type QuietStart } from './quiet-start.js';

// bracketed paste on: a pasted path is text, never keys (j, q…) for the focused pane
const ENTER_ALT = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?2004h';
const LEAVE_ALT = '\x1b[?2004l\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export const TUI_USAGE =
  'usage: petlab [--data DIR] [--backbone NAME|PATH] [--model DIR] [--backend node|wasm|cpu|auto] [--inference onnxruntime|onnxruntime-float|tfjs|auto] [--workers N] [--cache-dir DIR]';

export interface TuiArgs {
  data?: string;
  backbone?: string;
  model?: string;
  backend: 'node' | 'wasm' | 'cpu' | 'auto';
  inference: InferencePreference;
  workers: number;
  cacheDir: string;
}

/** Flags of the workbench, checked before the screen is taken over: a typo is said plainly. */
export function parseTuiArgs(argv: string[], settings: Settings): TuiArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      backbone: { type: 'string' },
      model: { type: 'string' },
      backend: { type: 'string' },
      inference: { type: 'string' },
      workers: { type: 'string' },
      'cache-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length) throw new Error(`unexpected argument "${positionals[0]}"`);
  const backend = (values.backend ?? settings.backend) as TuiArgs['backend'];
  if (!['node', 'wasm', 'cpu', 'auto'].includes(backend)) throw new Error(`unknown backend "${backend}" (use node, wasm, cpu or auto)`);
  const inference = (values.inference ?? settings.inference) as TuiArgs['inference'];
  if (!(INFERENCE_PREFERENCES as string[]).includes(inference))
    throw new Error(`unknown inference engine "${inference}" (use ${INFERENCE_PREFERENCES.join(', ')})`);
  const workers = values.workers === undefined ? settings.workers : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 16) throw new Error(`--workers must be a whole number from 1 to 16, got "${values.workers}"`);
  return { data: values.data, backbone: values.backbone, model: values.model, backend, inference, workers, cacheDir: values['cache-dir'] ?? settings.cacheDir };
}

/** Ink draws nothing live when it thinks it runs in CI; the workbench only runs on a real terminal. */
async function importInkInteractive(): Promise<typeof import('./startup-modules.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('./startup-modules.js');
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(\x07|\x1b\\)/g;

/** Diagnostics: append each event-loop stall over 50 ms to a file (PETLAB_TUI_LAG_LOG=FILE). */
function watchEventLoopLag(file: string): void {
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const lag = now - last - 20;
    last = now;
    if (lag > 50) appendFileSync(file, `${Date.now()} lag ${Math.round(lag)}ms\n`);
  }, 20).unref();
}

export async function launchTui(argv: string[]): Promise<number> {
  const mark = (what: string) =>
    process.env.PETLAB_TUI_LAG_LOG &&
    appendFileSync(process.env.PETLAB_TUI_LAG_LOG, `${Date.now()} startup ${what} at ${Math.round(process.uptime() * 1000)} ms\n`);
  mark('launchTui');

  // React's development build is several times slower; the workbench is never a React dev session
  process.env.NODE_ENV ??= 'production';
  const lagFile = process.env.PETLAB_TUI_LAG_LOG;
  if (lagFile) watchEventLoopLag(lagFile);
  let keyAt: number | undefined;
  // TensorFlow starts when the first keys have been answered (see quiet-start.ts)
  let tfStart: QuietStart | undefined;
  const onKey = () => {
    if (lagFile) keyAt ??= performance.now();
    tfStart?.poke();
  };
  const onRender = lagFile
    ? ({ renderTime }: { renderTime: number }) => {
        if (keyAt !== undefined)
          appendFileSync(lagFile, `${Date.now()} key→frame ${Math.round(performance.now() - keyAt)}ms (output ${Math.round(renderTime)}ms)\n`);
        keyAt = undefined;
      }
    : undefined;

  const out = process.stdout;
  const realOut = out.write.bind(out);
  const realErr = process.stderr.write.bind(process.stderr);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    out.write = realOut;
    process.stderr.write = realErr;
    realOut(SHOW_CURSOR + LEAVE_ALT);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  };
  realOut(ENTER_ALT);
  // keys typed while the workbench loads wait, unechoed, in the terminal's buffer until Ink reads
  // them (raw mode now: a line-buffered, echoed key would be lost or drawn over the splash)
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.on('exit', restore);
  // something on the screen at once, while settings, Ink and React load
  const { splashFrame } = await import('./splash.js');
  realOut('\x1b[?25l' + splashFrame(out.columns || 80, out.rows || 24, 'starting the workbench…'));
  mark('splash');
  const { loadSettings } = await import('../core/settings.js');
  const settings = loadSettings();
  let args: TuiArgs;
  try {
    args = parseTuiArgs(argv, settings);
  } catch (e) {
    restore();
    process.stderr.write(`petlab: usage error: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}\n${TUI_USAGE}\n`);
    return 2;
  }

  const { ink, createElement, SizedWorkbench, WorkbenchStore, initialState, WorkbenchController, loadKeymap, frameWriter } = await importInkInteractive();
  mark('modules loaded');
  const keymap = await loadKeymap();
  const store = new WorkbenchStore(initialState(args.backbone ?? settings.backbone, args.model));
  for (const p of keymap.problems) store.log('warn', p);

  // Anything else that writes to the terminal (a library's warning, a worker's console) would tear
  // the frame: it goes to the Training log instead. Ink writes through the real stream.
  const toLog = (level: 'warn' | 'error') => (chunk: unknown) => {
    const text = String(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : chunk)
      .replace(ANSI, '')
      .trim();
    if (text) for (const line of text.split('\n')) if (line.trim()) store.log(level, line, false);
    return true;
  };
  // Ink's frames go to the terminal as the rows that changed (issue 11.9: it repaints all of them)
  const onFrame = lagFile
    ? (bytes: number, full: boolean) => appendFileSync(lagFile, `${Date.now()} frame ${bytes} bytes${full ? ' (whole)' : ''}\n`)
    : undefined;
  const frames = frameWriter(
    (s) => void realOut(s),
    () => ({ columns: out.columns || 80, rows: out.rows || 24 }),
    onFrame,
    { whole: process.env.PETLAB_TUI_WHOLE_FRAMES === '1' },
  );
  const inkStdout = new Proxy(out, {
    get(target, key) {
      if (key === 'write') return frames.write;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  out.write = toLog('warn') as typeof out.write;
  process.stderr.write = toLog('warn') as typeof process.stderr.write;
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    console[m] = (...a: unknown[]) => store.log(m === 'error' ? 'error' : 'warn', format(...a), false);

  const openSession: OpenSession = async (onEvent) => {
    // TensorFlow's threads yield to this one: keys and frames first, training a little later
    process.env.PETLAB_WORKER_NICE ??= '10';
    const [{ Session }, { adaptSession }] = await Promise.all([import('../core/session.js'), import('./controller/core-adapter.js')]);
    return adaptSession(
      await Session.open({
        backend: args.backend,
        inference: args.inference,
        workers: args.workers,
        cacheDir: args.cacheDir,
        mirror: settings.mirror || undefined,
        resize: settings.resize,
        embedBatchSize: settings.embedBatchSize,
        onEvent,
      }),
    );
  };
  const controller = new WorkbenchController(
    store,
    { data: args.data, backbone: args.backbone ?? settings.backbone, model: args.model, cacheDir: args.cacheDir, settings },
    { openSession },
  );

  // a stray rejection (a worker that died mid-call) is reported, and the workbench goes on
  const onRejection = (e: unknown) => {
    store.log('error', `error: ${(e as Error)?.message ?? String(e)}`);
    store.flash(`error: ${(e as Error)?.message ?? String(e)}`, 'error');
  };
  process.on('unhandledRejection', onRejection);

  let instance: import('ink').Instance | undefined;
  const quit = () => instance?.unmount();
  const onSignal = (sig: NodeJS.Signals) => {
    quit();
    restore();
    process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('SIGINT', onSignal);

  let code = 0;
  try {
    instance = ink.render(createElement(SizedWorkbench, { stdout: out, store, controller, keymap, onQuit: quit, onKey }), {
      stdout: inkStdout as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 60,
      onRender,
    });
    mark('first frame');
    // TensorFlow and the dataset come after the first frame is on the screen, and once the keys
    // typed meanwhile are answered: importing it holds the main thread, its worker threads take
    // the cores (a key pressed at start-up waited for that). Keys for it wait in the controller.
    tfStart = quietStart(() => void controller.start(), { quietMs: 300, latestMs: 1500 });
    tfStart.arm();
    await instance.waitUntilExit();
  } catch (e) {
    code = 1;
    restore();
    realErr(`petlab: workbench error: ${(e as Error)?.stack ?? e}\n`);
  } finally {
    tfStart?.cancel();
    store.dispose();
    await controller.close().catch(() => undefined);
    process.off('unhandledRejection', onRejection);
    restore();
  }
  // worker threads and timers of a closed session must not keep the process alive
  setTimeout(() => process.exit(code), 200).unref();
  return code;
}
