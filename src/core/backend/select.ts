import * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import type { BackendInfo, BackendName, BackendPreference } from './names.js';
export { parseBackend, type BackendInfo, type BackendName, type BackendPreference } from './names.js';
import { registerWasmGradientKernels } from './wasm-gradients.js';
import { classifyNodeLoadError, TFJS_NODE } from './node-status.js';

const TF_NAMES: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/** Why a backend did not load: a few words, and the loader's own. */
interface Failure {
  why: string;
  note: string;
}

/**
 * tfjs-node is an optional dependency: it installs where its install script can download
 * libtensorflow. `module` replaces it in tests (a loader that behaves like it).
 */
async function tryNode(module = TFJS_NODE): Promise<Failure | undefined> {
  try {
    await import(module);
    return undefined;
  } catch (e) {
    const s = classifyNodeLoadError(e);
    return { why: s.summary, note: `tfjs-node not available (${s.detail})` };
  }
}

async function tryWasm(): Promise<Failure | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return undefined;
  } catch (e) {
    return { why: 'wasm backend not available', note: `wasm backend not available (${(e as Error).message})` };
  }
}

let current: BackendInfo | undefined;
const setupHooks: Array<(b: BackendInfo) => void | Promise<void>> = [];

/** Run something each time a backend is made active, e.g. registering extra kernels for it. */
export function onBackendReady(hook: (b: BackendInfo) => void | Promise<void>): void {
  setupHooks.push(hook);
}

/**
 * Pick the fastest backend that loads: tfjs-node, else wasm, else cpu. A forced choice that does
 * not load is an error, never a silent fallback: the user asked for it by name.
 */
export async function initBackend(pref: BackendPreference = 'auto', opts: { nodeModule?: string } = {}): Promise<BackendInfo> {
  if (current && (pref === 'auto' || pref === current.name)) return current;
  tf.enableProdMode(); // silences tfjs's console banners; petlab reports the backend itself
  const order: BackendName[] = pref === 'auto' ? ['node', 'wasm', 'cpu'] : [pref];
  const notes: string[] = [];
  let firstWhy: string | undefined;
  for (const name of order) {
    const failed = name === 'node' ? await tryNode(opts.nodeModule) : name === 'wasm' ? await tryWasm() : undefined;
    if (failed) {
      notes.push(failed.note);
      firstWhy ??= failed.why;
      continue;
    }
    let ok = false;
    try {
      ok = await tf.setBackend(TF_NAMES[name]);
      await tf.ready();
    } catch (e) {
      notes.push(`${name}: ${(e as Error).message}`);
      ok = false;
    }
    if (!ok) {
      if (!notes.some((n) => n.startsWith(name))) notes.push(`${name} backend failed to initialise`);
      firstWhy ??= `${name} failed to initialise`;
      continue;
    }
    current = { name, tfName: TF_NAMES[name], note: notes.length ? notes.join('; ') : undefined, why: firstWhy };
    for (const hook of setupHooks) await hook(current);
    return current;
  }
  throw new PetlabError(`backend "${pref}" could not be loaded: ${notes.join('; ')}`, {
    hint: pref === 'node' ? 'install @tensorflow/tfjs-node, or use --backend wasm' : 'try --backend auto',
  });
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}

// tfjs's wasm backend lacks the conv gradient kernels training needs: add them (wasm-gradients.ts).
onBackendReady((b) => {
  if (b.name === 'wasm') registerWasmGradientKernels();
});
