import { UsageError } from '../../core/errors.js';
import { defaultSettings, loadSettings, userStore } from '../../core/settings.js';
import { type Command } from '../command.js';
import { table } from '../format.js';

function coerce(key: string, value: string): unknown {
  if (key === 'keymap') {
    // key bindings of the workbench: {"action": "key" | ["key", ...]}
    try {
      const v = JSON.parse(value) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      return v;
    } catch {
      throw new UsageError(`keymap takes a JSON object, got ${value}`, `e.g. petlab config set keymap '{"train": "alt+y"}' (the actions are in config/keymap.json)`);
    }
  }
  const d = (defaultSettings() as unknown as Record<string, unknown>)[key];
  if (typeof d === 'number') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new UsageError(`${key} takes a number, got "${value}"`);
    return n;
  }
  if (typeof d === 'boolean') return value === 'true' || value === '1' || value === 'yes';
  return value;
}

export const configCommand: Command = {
  name: 'config',
  summary: 'show or change settings (defaults in config/settings.json, yours in the user config file)',
  usage: 'petlab config [list | get KEY | set KEY VALUE | unset KEY | path]',
  allowPositionals: true,
  options: {},
  async run(ctx) {
    const [verb = 'list', key, value] = ctx.positionals;
    const defaults = defaultSettings() as unknown as Record<string, unknown>;
    const store = userStore();
    const known = (k: string | undefined): string => {
      if (!k) throw new UsageError('which setting?', `one of: ${Object.keys(defaults).join(', ')}`);
      if (!(k in defaults) && k !== 'keymap') throw new UsageError(`unknown setting "${k}"`, `one of: ${Object.keys(defaults).join(', ')}`);
      return k;
    };
    switch (verb) {
      case 'list': {
        const s = loadSettings() as unknown as Record<string, unknown>;
        const user = store.store;
        ctx.reporter.print(table(Object.keys(defaults).map((k) => [k, JSON.stringify(s[k]), k in user ? 'yours' : process.env.PETLAB_MIRROR && k === 'mirror' ? 'PETLAB_MIRROR' : 'default']), ['setting', 'value', 'from']));
        ctx.reporter.result({ command: 'config', settings: s, user });
        return 0;
      }
      case 'get': {
        const k = known(key);
        const v = (loadSettings() as unknown as Record<string, unknown>)[k] ?? store.get(k);
        ctx.reporter.print(JSON.stringify(v));
        ctx.reporter.result({ command: 'config', key: k, value: v });
        return 0;
      }
      case 'set': {
        const k = known(key);
        if (value === undefined) throw new UsageError(`set ${k} to what?`, `petlab config set ${k} VALUE`);
        store.set(k, coerce(k, value));
        ctx.reporter.print(`${k} = ${JSON.stringify(store.get(k))}  (in ${store.path})`);
        ctx.reporter.result({ command: 'config', key: k, value: store.get(k) });
        return 0;
      }
      case 'unset': {
        const k = known(key);
        store.delete(k);
        ctx.reporter.print(`${k} back to its default: ${JSON.stringify(defaults[k])}`);
        ctx.reporter.result({ command: 'config', key: k, value: defaults[k] });
        return 0;
      }
      case 'path':
        ctx.reporter.print(store.path);
        ctx.reporter.result({ command: 'config', path: store.path });
        return 0;
      default:
        throw new UsageError(`unknown config action "${verb}"`, 'use list, get, set, unset or path');
    }
  },
};
