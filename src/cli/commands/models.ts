import { listBackbones } from '../../core/registry/backbones.js';
import { str, type Command } from '../command.js';
import { bytes, table } from '../../text/format.js';

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list the pretrained backbones petlab knows (size, ImageNet top-1, cached or not)',
  usage: 'petlab models [--json]',
  options: { 'cache-dir': { type: 'string', arg: 'DIR', description: 'cache folder to check' } },
  async run(ctx) {
    const cacheDir = str(ctx, 'cache-dir') ?? ctx.settings.cacheDir;
    const rows = listBackbones(cacheDir);
    ctx.reporter.print(
      [
        table(
          rows.map((r) => [
            `${r.name}${r.isDefault ? ' *' : ''}`,
            r.format,
            bytes(r.sizeBytes),
            `${(r.top1 * 100).toFixed(1)}%`,
            r.cached ? 'cached' : 'not cached',
            r.licence,
          ]),
          ['name', 'format', 'size', 'top-1', 'status', 'licence'],
        ),
        '',
        '* default. Use one with --backbone NAME; it is downloaded (and verified) on first use.',
        `cache: ${cacheDir}`,
      ].join('\n'),
    );
    ctx.reporter.result({ command: 'models', cacheDir, backbones: rows });
    return 0;
  },
};
