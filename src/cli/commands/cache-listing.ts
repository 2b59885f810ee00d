import { str, type Command } from '../command.js';
import { table } from '../../text/format.js';

/**
 * A command that lists what a registry knows (`petlab models`, `petlab data list`): a row each,
 * the default marked *, with whether it is in the cache; --json gives the rows under `key`.
 */
export function cacheListingCommand<R extends { name: string; isDefault: boolean }>(spec: {
  name: string;
  summary: string;
  usage: string;
  list: (cacheDir: string) => R[];
  /** the column names, the first one the name's */
  header: string[];
  /** a row's cells after its name */
  cells: (row: R) => (string | number)[];
  /** the lines under the table, after a blank one */
  footer: (cacheDir: string) => string[];
  key: string;
}): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    options: { 'cache-dir': { type: 'string', arg: 'DIR', description: 'cache folder to check' } },
    async run(ctx) {
      const cacheDir = str(ctx, 'cache-dir') ?? ctx.settings.cacheDir;
      const rows = spec.list(cacheDir);
      const lines = rows.map((r) => [`${r.name}${r.isDefault ? ' *' : ''}`, ...spec.cells(r)]);
      ctx.reporter.print([table(lines, spec.header), '', ...spec.footer(cacheDir)].join('\n'));
      ctx.reporter.result({ command: spec.name, cacheDir, [spec.key]: rows });
      return 0;
    },
  };
}
