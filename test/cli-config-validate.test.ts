import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isolatedEnv, runPetlab } from './helpers/cli.js';

const env = isolatedEnv();

function refused(r: { code: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length <= 2, true, `one line and a hint: ${r.stderr}`);
}

test('config set refuses values the commands would not take, and keeps the old one', async () => {
  assert.equal((await runPetlab(['config', 'set', 'epochs', '7'], { env })).code, 0);
  refused(await runPetlab(['config', 'set', 'epochs', '0'], { env }), /epochs must be a whole number from 1/);
  refused(await runPetlab(['config', 'set', 'epochs', '2.5'], { env }), /epochs must be a whole number/);
  assert.equal((await runPetlab(['config', 'get', 'epochs'], { env })).stdout.trim(), '7', 'the old value stays');
  refused(await runPetlab(['config', 'set', 'valSplit', '1.5'], { env }), /valSplit must be a number in \[0, 1\)/);
  refused(await runPetlab(['config', 'set', 'learningRate', '0'], { env }), /learningRate must be a number in/);
  refused(await runPetlab(['config', 'set', 'resize', 'stretch'], { env }), /resize must be one of fill, cover, crop/);
  refused(await runPetlab(['config', 'set', 'backend', 'gpu'], { env }), /backend must be one of auto, node, wasm, cpu/);
  refused(await runPetlab(['config', 'set', 'dataset', 'imagenet'], { env }), /dataset must be one of oxford-pets, cats-vs-dogs/);
  refused(await runPetlab(['config', 'set', 'fineTune.views', '0'], { env }), /fineTune\.views must be a whole number from 1 to 16/);
  refused(await runPetlab(['config', 'set', 'fineTune', '{"epochs":0}'], { env }), /fineTune\.epochs must be a whole number from 1/);
  refused(await runPetlab(['config', 'set', 'fineTune.unfreeze', 'lots'], { env }), /fineTune\.unfreeze/);
  assert.equal((await runPetlab(['config', 'set', 'fineTune.unfreeze', '4'], { env })).code, 0);
  assert.equal((await runPetlab(['config', 'set', 'workers', '0'], { env })).code, 0, '0 workers means one per core');
});

test('a stored value out of range (an old or hand-edited config) is not used: the default applies', async () => {
  const own = isolatedEnv();
  writeFileSync(path.join(own.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 0, batchSize: 32 }));
  assert.equal((await runPetlab(['config', 'get', 'epochs'], { env: own })).stdout.trim(), '80');
  assert.equal((await runPetlab(['config', 'get', 'batchSize'], { env: own })).stdout.trim(), '32');
});

test('keymap: checked like the workbench reads it; listed; unset says what it goes back to', async () => {
  refused(await runPetlab(['config', 'set', 'keymap', '{"trian":"alt+y"}'], { env }), /unknown action "trian"/);
  refused(await runPetlab(['config', 'set', 'keymap', '{"train":"ctrl+f c d"}'], { env }), /at most a prefix and one key/);
  refused(await runPetlab(['config', 'set', 'keymap', '{"train":"hyper+t"}'], { env }), /unknown modifier "hyper"/);
  const ok = await runPetlab(['config', 'set', 'keymap', '{"train":"alt+y"}'], { env });
  assert.equal(ok.code, 0, ok.stderr);
  const list = await runPetlab(['config', 'list'], { env });
  assert.match(list.stdout, /^keymap\s+\{"train":"alt\+y"\}\s+yours$/m);
  const unset = await runPetlab(['config', 'unset', 'keymap'], { env });
  assert.equal(unset.code, 0);
  assert.doesNotMatch(unset.stdout, /undefined/);
  assert.match(unset.stdout, /keymap back to its defaults \(config\/keymap\.json\)/);
  const listed = await runPetlab(['config', 'list'], { env });
  assert.match(listed.stdout, /^keymap\s+\{\}\s+default$/m);
  const get = await runPetlab(['config', 'get', 'keymap'], { env });
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout.trim(), '{}');
});
