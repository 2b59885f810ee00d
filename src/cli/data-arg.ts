import { PetlabError } from '../core/errors.js';
import { str, type CommandContext } from './command.js';
import { bytes } from '../text/format.js';

/**
 * --data DIR, or the default dataset (oxford-pets) from the cache when it has been downloaded.
 * When it has not, the error says how to get it.
 */
export async function resolveDataArg(ctx: CommandContext): Promise<string> {
  const d = str(ctx, 'data');
  if (d) return d;
  const name = ctx.settings.dataset;
  const reg = await import('../core/registry/datasets.js').catch(() => undefined);
  if (reg && 'datasetStatus' in reg) {
    const st = await (
      reg as unknown as { datasetStatus(n: string, c: string): Promise<{ ready: boolean; dataDir?: string; downloadBytes?: number }> }
    ).datasetStatus(name, ctx.settings.cacheDir);
    if (st.ready && st.dataDir) return st.dataDir;
    throw new PetlabError(`no --data given and the default dataset "${name}" is not downloaded yet`, {
      kind: 'usage',
      hint: `run \`petlab data get ${name}\`${st.downloadBytes ? ` (${bytes(st.downloadBytes)})` : ''}, or pass --data DIR`,
    });
  }
  throw new PetlabError('no --data given', { kind: 'usage', hint: 'pass --data DIR (a folder with one subfolder per class)' });
}
