import { UsageError } from '../../core/errors.js';
import { getDataset } from '../../core/download/datasets.js';
import { datasetNames } from '../../core/registry/datasets.js';
import { bool, str, type Command } from '../command.js';
import { onCtrlC } from '../session-from-flags.js';

export const dataGetCommand: Command = {
  name: 'data get',
  summary: 'download, verify and unpack a dataset into the cache (oxford-pets, cats-vs-dogs)',
  usage: 'petlab data get NAME [--keep-archives] [--json]',
  allowPositionals: true,
  options: {
    'cache-dir': { type: 'string', arg: 'DIR', description: 'cache folder' },
    'keep-archives': { type: 'boolean', description: 'keep the downloaded archives after unpacking' },
  },
  details: 'Offline: set a mirror (a folder or base URL laid out like the cache) with PETLAB_MIRROR or `petlab config set mirror DIR`.',
  async run(ctx) {
    const name = ctx.positionals[0];
    if (!name) throw new UsageError('which dataset?', `one of: ${datasetNames().join(', ')}`);
    if (ctx.positionals.length > 1) throw new UsageError(`one dataset at a time, got ${ctx.positionals.join(' ')}`);
    if (!datasetNames().includes(name)) throw new UsageError(`unknown dataset "${name}"`, `one of: ${datasetNames().join(', ')}`);
    const cacheDir = str(ctx, 'cache-dir') ?? ctx.settings.cacheDir;
    const abort = new AbortController();
    const off = onCtrlC(
      () => abort.abort(),
      () => process.exit(130),
    );
    try {
      const dir = await getDataset(name, {
        cacheDir,
        mirror: ctx.settings.mirror || undefined,
        onEvent: ctx.reporter.event,
        signal: abort.signal,
        keepArchives: bool(ctx, 'keep-archives'),
      });
      ctx.reporter.print(`${name} is ready: ${dir}\ntrain with: petlab train --data ${dir}`);
      ctx.reporter.result({ command: 'data get', name, dataDir: dir });
      return 0;
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      // Ctrl-C: exit 130 like every command; what was downloaded so far is kept and resumed
      ctx.reporter.note('\ninterrupted: the download resumes where it stopped on the next `petlab data get`');
      ctx.reporter.result({ command: 'data get', name, stopped: true });
      return 130;
    } finally {
      off();
    }
  },
};
