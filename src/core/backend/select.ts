import * as tf from '@tensorflow/tfjs';
import { PetlabError } from '../errors.js';
import type { BackendInfo, BackendName, BackendPreference } from './names.js';
export { parseBackend, type BackendInfo, type BackendName, type BackendPreference } from './names.js';
import { registerWasmGradientKernels } from './wasm-gradients.js';



const TF_NAMES: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };


async function tryNode(): Promise<string | undefined> {
  try {
    // Optional dependency: it installs on machines that can download libtensorflow.
    await import('@tensorflow/tfjs-node' as string);
    return undefined;
  } catch (e) {
    return `tfjs-node not available (${(e as Error).message.split('\n')[0]})`;
  }
}

async function tryWasm(): Promise<string | undefined> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    return undefined;
  } catch (e) {
    return `wasm backend not available (${(e as Error).message})`;
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
export async function initBackend(pref: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (current && (pref === 'auto' || pref === current.name)) return current;
  tf.enableProdMode(); // silences tfjs's console banners; petlab reports the backend itself
  const order: BackendName[] = pref === 'auto' ? ['node', 'wasm', 'cpu'] : [pref];
  const notes: string[] = [];
  for (const name of order) {
    const why = name === 'node' ? await tryNode() : name === 'wasm' ? await tryWasm() : undefined;
    if (why) {
      notes.push(why);
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
      continue;
    }
    current = { name, tfName: TF_NAMES[name], note: notes.length ? notes.join('; ') : undefined };
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
