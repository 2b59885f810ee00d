import { listDatasets } from '../../core/registry/datasets.js';
import { str, type Command } from '../command.js';
import { bytes, table } from '../../text/format.js';

export const dataListCommand: Command = {
  name: 'data list',
  summary: 'list the datasets petlab can download, and which are ready',
  usage: 'petlab data list [--json]',
  options: { 'cache-dir': { type: 'string', arg: 'DIR', description: 'cache folder to check' } },
  async run(ctx) {
    const cacheDir = str(ctx, 'cache-dir') ?? ctx.settings.cacheDir;
    const rows = listDatasets(cacheDir);
    ctx.reporter.print(
      [
        table(
          rows.map((r) => [
            `${r.name}${r.isDefault ? ' *' : ''}`,
            r.imageCount,
            r.classCount,
            r.downloadBytes == null ? '?' : bytes(r.downloadBytes),
            r.cached ? `ready: ${r.path}` : 'not downloaded',
          ]),
          ['name', 'images', 'classes', 'download', 'status'],
        ),
        '',
        '* default. Get one with: petlab data get NAME; then train with --data <the folder shown>.',
      ].join('\n'),
    );
    ctx.reporter.result({ command: 'data list', cacheDir, datasets: rows });
    return 0;
  },
};
