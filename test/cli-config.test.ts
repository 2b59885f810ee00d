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
  assert.equal((await runPetlab(['config', 'get', 'epochs'], { env })).stdout.trim(), '80');
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

test('config: a recipe setting is set by its dotted key, typed, and the rest of the recipe keeps its defaults', async () => {
  const env = isolatedEnv();
  const set = await runPetlab(['config', 'set', 'fineTune.epochs', '8'], { env });
  assert.equal(set.code, 0, set.stderr);
  assert.deepEqual(JSON.parse(readFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), 'utf8')).fineTune, { epochs: 8 });
  assert.equal((await runPetlab(['config', 'get', 'fineTune.epochs'], { env })).stdout.trim(), '8');
  const list = await runPetlab(['config', 'list', '--json'], { env });
  const ft = (list.events.at(-1) as { settings: { fineTune: Record<string, unknown> } }).settings.fineTune;
  assert.equal(ft.epochs, 8);
  assert.equal(ft.unfreeze, '30%', 'the keys not set keep their defaults');
  assert.equal(ft.headSteps, 100);
  const plain = await runPetlab(['config', 'list'], { env });
  assert.match(plain.stdout, /fineTune\.epochs\s+8\s+yours/);
  assert.match(plain.stdout, /fineTune\.views\s+4\s+default/);
  // a group given whole must be a JSON object of known keys; a bare word would have broken every fine-tuning run
  const word = await runPetlab(['config', 'set', 'fineTune', 'fast'], { env });
  assert.equal(word.code, 2);
  assert.match(word.stderr, /fineTune is a group of settings/);
  const typo = await runPetlab(['config', 'set', 'fineTune.epoch', '3'], { env });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown setting "fineTune.epoch"/);
  const nan = await runPetlab(['config', 'set', 'fineTune', '{"views":"many"}'], { env });
  assert.equal(nan.code, 2);
  assert.match(nan.stderr, /fineTune.views takes a number/);
  await runPetlab(['config', 'unset', 'fineTune.epochs'], { env });
  assert.equal((await runPetlab(['config', 'get', 'fineTune.epochs'], { env })).stdout.trim(), '5');
});
