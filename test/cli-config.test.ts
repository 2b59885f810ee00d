import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, runPetlab } from './helpers/cli.js';

test('config: set, get, list, unset — stored in the user config file, typed like the defaults', async () => {
  const env = isolatedEnv();
  const set = await runPetlab(['config', 'set', 'epochs', '7'], { env });
  assert.equal(set.code, 0, set.stderr);
  const stored = JSON.parse(readFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), 'utf8'));
  assert.equal(stored.epochs, 7, 'a number stays a number');
  const get = await runPetlab(['config', 'get', 'epochs'], { env });
  assert.equal(get.stdout.trim(), '7');
  const list = await runPetlab(['config', 'list', '--json'], { env });
  const r = list.events.at(-1) as { settings: Record<string, unknown> };
  assert.equal(r.settings.epochs, 7);
  assert.equal(r.settings.seed, 42, 'others keep their defaults');
  await runPetlab(['config', 'unset', 'epochs'], { env });
  assert.equal((await runPetlab(['config', 'get', 'epochs'], { env })).stdout.trim(), '20');
});

test('config: a bad key or value is a usage error; the keymap takes a JSON object', async () => {
  const env = isolatedEnv();
  const unknown = await runPetlab(['config', 'set', 'epoch', '3'], { env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown setting "epoch"/);
  const nan = await runPetlab(['config', 'set', 'epochs', 'many'], { env });
  assert.equal(nan.code, 2);
  const km = await runPetlab(['config', 'set', 'keymap', '{"train":"alt+y"}'], { env });
  assert.equal(km.code, 0, km.stderr);
  assert.deepEqual(JSON.parse(readFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), 'utf8')).keymap, { train: 'alt+y' });
  const bad = await runPetlab(['config', 'set', 'keymap', 'alt+y'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /keymap takes a JSON object/);
});
