/**
 * The user's settings file (conf's store: config.json in env-paths' config folder, or
 * PETLAB_CONFIG_DIR). Reading it is a JSON file read; conf (with its JSON-schema validator) loads
 * only to write it, so the workbench's start-up does not load conf.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import type Conf from 'conf';

function storeDir(): string {
  return process.env.PETLAB_CONFIG_DIR || envPaths('petlab', { suffix: '' }).config;
}

/** The user's settings as stored ({} when there is no file yet); throws on an unreadable file. */
export function readUserStore(): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path.join(storeDir(), 'config.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const v = JSON.parse(text) as unknown;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

let store: Conf<Record<string, unknown>> | undefined;

/** The user's store, to change it (conf writes atomically). PETLAB_CONFIG_DIR moves it. */
export async function userStore(): Promise<Conf<Record<string, unknown>>> {
  const { default: ConfClass } = await import('conf');
  store ??= new ConfClass<Record<string, unknown>>({
    projectName: 'petlab',
    projectSuffix: '',
    ...(process.env.PETLAB_CONFIG_DIR ? { cwd: process.env.PETLAB_CONFIG_DIR } : {}),
  });
  return store;
}
