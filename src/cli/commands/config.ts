import { UsageError } from '../../core/errors.js';
import { defaultSettings, isPlainObject, loadSettings, settingAt } from '../../core/settings.js';
import { userStore } from '../../core/user-store.js';
import { settingProblem } from '../../core/settings-schema.js';
import { datasetNames } from '../../core/registry/datasets.js';
import { buildKeymap, readDefaultKeymap } from '../../tui/keys/keymap.js';
import { type Command } from '../command.js';
import { table } from '../../text/format.js';

const KEYMAP_HINT = `e.g. petlab config set keymap '{"train": "alt+y"}' (the actions are in config/keymap.json)`;

/** Key bindings of the workbench, {"action": "key" | ["key", ...]}, checked as the workbench reads them. */
function coerceKeymap(value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value) as unknown;
  } catch {
    v = undefined;
  }
  if (!isPlainObject(v)) throw new UsageError(`keymap takes a JSON object, got ${value}`, KEYMAP_HINT);
  // "X now does Y (was Z)" is what an override means, not a problem
  const all = buildKeymap(readDefaultKeymap(), v).problems;
  const problems = all.filter((p) => !/ now does /.test(p));
  if (problems.length)
    throw new UsageError(
      problems[0].replace(/ \(known: .*\)$/, ''),
      problems.length > 1 ? `and ${problems.length - 1} more: ${problems.slice(1).join('; ')}` : KEYMAP_HINT,
    );
  for (const moved of all.filter((p) => / now does /.test(p))) process.stderr.write(`note: ${moved}\n`);
  return v;
}

function coerce(key: string, value: string): unknown {
  if (key === 'keymap') return coerceKeymap(value);
  if (key === 'dataset' && !datasetNames().includes(value))
    throw new UsageError(`dataset must be one of ${datasetNames().join(', ')}, got "${value}"`, 'it names the download used when --data is not given');
  return coerceLike(key, settingAt(defaultSettings(), key), value);
}

function checked<T>(key: string, v: T, d: unknown): T {
  const problem = settingProblem(key, v, d);
  if (problem) throw new UsageError(problem, `see: petlab config list`);
  return v;
}

/** A typed value shaped like the default: a number, a boolean, a string, or a group given as JSON. */
function coerceLike(key: string, d: unknown, value: unknown): unknown {
  if (isPlainObject(d)) {
    let v: unknown;
    try {
      v = typeof value === 'string' ? JSON.parse(value) : value;
    } catch {
      v = undefined;
    }
    if (!isPlainObject(v))
      throw new UsageError(
        `${key} is a group of settings: give one as ${key}.NAME VALUE, or a JSON object`,
        `one of: ${Object.keys(d)
          .map((k) => `${key}.${k}`)
          .join(', ')}`,
      );
    for (const k of Object.keys(v))
      if (!(k in d))
        throw new UsageError(
          `unknown setting "${key}.${k}"`,
          `one of: ${Object.keys(d)
            .map((x) => `${key}.${x}`)
            .join(', ')}`,
        );
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, coerceLike(`${key}.${k}`, d[k], typeof x === 'string' ? x : String(x))]));
  }
  if (typeof d === 'number') {
    const n = Number(value);
    if (value === '' || !Number.isFinite(n)) throw new UsageError(`${key} takes a number, got "${value}"`);
    return checked(key, n, d);
  }
  if (typeof d === 'boolean') return value === 'true' || value === '1' || value === 'yes';
  return checked(key, value, d);
}

export const configCommand: Command = {
  name: 'config',
  summary: 'show or change settings (defaults in config/settings.json, yours in the user config file)',
  usage: 'petlab config [list | get KEY | set KEY VALUE | unset KEY | path]   (KEY: epochs, fineTune.epochs, ...)',
  allowPositionals: true,
  options: {},
  async run(ctx) {
    const [verb = 'list', key, value] = ctx.positionals;
    const defaults = defaultSettings() as unknown as Record<string, unknown>;
    const store = await userStore();
    const names = Object.keys(defaults).flatMap((k) => (isPlainObject(defaults[k]) ? Object.keys(defaults[k]).map((x) => `${k}.${x}`) : [k]));
    const known = (k: string | undefined): string => {
      if (!k) throw new UsageError('which setting?', `one of: ${names.join(', ')}`);
      if (settingAt(defaults, k) === undefined && k !== 'keymap') throw new UsageError(`unknown setting "${k}"`, `one of: ${names.join(', ')}`);
      return k;
    };
    switch (verb) {
      case 'list': {
        const s = loadSettings() as unknown as Record<string, unknown>;
        const user = store.store;
        const from = (k: string) => (settingAt(user, k) !== undefined ? 'yours' : process.env.PETLAB_MIRROR && k === 'mirror' ? 'PETLAB_MIRROR' : 'default');
        const keymapRow = ['keymap', JSON.stringify(store.get('keymap') ?? {}), store.has('keymap') ? 'yours' : 'default'];
        ctx.reporter.print(table([...names.map((k) => [k, JSON.stringify(settingAt(s, k)), from(k)]), keymapRow], ['setting', 'value', 'from']));
        ctx.reporter.result({ command: 'config', settings: s, user });
        return 0;
      }
      case 'get': {
        const k = known(key);
        // keymap: the user's overrides ({} = the defaults of config/keymap.json)
        const v = k === 'keymap' ? (store.get(k) ?? {}) : settingAt(loadSettings(), k);
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
        if (k === 'keymap') ctx.reporter.print('keymap back to its defaults (config/keymap.json)');
        else ctx.reporter.print(`${k} back to its default: ${JSON.stringify(settingAt(defaults, k))}`);
        ctx.reporter.result({ command: 'config', key: k, value: k === 'keymap' ? {} : settingAt(defaults, k) });
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
