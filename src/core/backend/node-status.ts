import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * What stands between petlab and tfjs-node (the native backend), in words a user can act on. Two
 * ways in: probeTfjsNode looks at the installed files without loading anything (the main thread,
 * `petlab doctor`); classifyNodeLoadError reads the error of an import that failed (a worker).
 * No TensorFlow here.
 */
export type NodeBackendState = 'present' | 'not-installed' | 'no-binding' | 'no-libtensorflow' | 'second-thread' | 'load-error';

export interface NodeBackendStatus {
  state: NodeBackendState;
  /** a few words for a reason line: "tfjs-node not installed" */
  summary: string;
  /** what happened and what to do */
  detail: string;
  packageDir?: string;
  version?: string;
}

export const TFJS_NODE = '@tensorflow/tfjs-node';

const REINSTALL =
  'in a checkout, `npm rebuild @tensorflow/tfjs-node` (package.json allows its install script); for a global install, `npm install -g --allow-scripts=@tensorflow/tfjs-node,sharp petlab`';

/** The libtensorflow tfjs-node's install script downloads, where its addon looks for it. */
function hasLibtensorflow(dir: string, napiDirs: string[]): boolean {
  const has = (d: string) => existsSync(d) && readdirSync(d).some((f) => /^(lib)?tensorflow/.test(f));
  return napiDirs.some((d) => has(path.join(dir, 'lib', d))) || has(path.join(dir, 'deps', 'lib'));
}

/** Installed files only: is tfjs-node there, with its native addon and libtensorflow? */
export function probeTfjsNode(resolveFrom: string = import.meta.url): NodeBackendStatus {
  let pkgJson: string;
  try {
    pkgJson = createRequire(resolveFrom).resolve(`${TFJS_NODE}/package.json`);
  } catch {
    return {
      state: 'not-installed',
      summary: 'tfjs-node not installed',
      detail:
        'npm installs @tensorflow/tfjs-node (an optional dependency) only where its install script can download libtensorflow; where that fails, npm leaves it out',
    };
  }
  const dir = path.dirname(pkgJson);
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version;
  const lib = path.join(dir, 'lib');
  const napiDirs = existsSync(lib) ? readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)) : [];
  const binding = napiDirs.some((d) => existsSync(path.join(lib, d, 'tfjs_binding.node')));
  if (!binding) {
    return {
      state: 'no-binding',
      summary: 'tfjs-node installed without its native addon',
      detail: `${dir} has no lib/napi-v*/tfjs_binding.node: its install script was skipped or failed. Run ${REINSTALL}`,
      packageDir: dir,
      version,
    };
  }
  if (!hasLibtensorflow(dir, napiDirs)) {
    return {
      state: 'no-libtensorflow',
      summary: 'libtensorflow missing',
      detail: `${dir} has its addon but no libtensorflow: its install script did not finish the download. Run ${REINSTALL}`,
      packageDir: dir,
      version,
    };
  }
  return { state: 'present', summary: 'tfjs-node installed', detail: `${dir} (addon and libtensorflow present)`, packageDir: dir, version };
}

/** Why `import('@tensorflow/tfjs-node')` failed, from its error. */
export function classifyNodeLoadError(e: unknown): NodeBackendStatus {
  const msg = String((e as Error)?.message ?? e);
  const first = msg.split('\n')[0];
  const code = (e as { code?: string })?.code;
  if (/did not self-register/i.test(msg)) {
    return {
      state: 'second-thread',
      summary: 'tfjs-node loads in one thread only',
      detail: `tfjs-node's addon cannot load in a second worker thread (${first}); petlab runs one TensorFlow worker with it`,
    };
  }
  if (/tfjs_binding\.node\) can not be found/.test(msg)) {
    return { state: 'no-binding', summary: 'tfjs-node installed without its native addon', detail: `${first} Run ${REINSTALL}` };
  }
  if (/libtensorflow/i.test(msg)) {
    return { state: 'no-libtensorflow', summary: 'libtensorflow missing', detail: `${first} Run ${REINSTALL}` };
  }
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /tfjs-node/.test(msg)) {
    return { state: 'not-installed', summary: 'tfjs-node not installed', detail: first };
  }
  return { state: 'load-error', summary: 'tfjs-node failed to load', detail: first };
}
