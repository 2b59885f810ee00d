import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../src/cli/run-cli.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab, type RunResult } from './helpers/cli.js';

// Scripts read `--json` output line by line and wait for {"type":"result"}: every command's last
// line must be that object, whatever the command puts in it (a layer's type included).
const cats = listData(path.join(CATS_DOGS, 'cats')).sort().slice(0, 6);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort().slice(0, 6);
const data = linkDataset(CATS_DOGS, { cats: cats.map((f) => `cats/${f}`), dogs: dogs.map((f) => `dogs/${f}`) });
const env = isolatedEnv();
const work = tempDir('petlab-json-');
const model = path.join(work, 'model');
const CAT = path.join(SAMPLE_PHOTOS, 'cat_720p.jpg');
const BB = ['--backbone', MOBILENET_V2_TFJS, '--workers', '1'];

// cats-vs-dogs already in the cache (its "extracted" marker): `data get` answers without a download
const ready = path.join(env.PETLAB_CACHE_DIR, 'datasets', 'cats-vs-dogs', 'extracted');
mkdirSync(path.join(ready, 'cats_and_dogs_filtered'), { recursive: true });
writeFileSync(path.join(ready, '.petlab-extracted.json'), '{}\n');

function lastLine(r: RunResult, command: string): Record<string, unknown> {
  assert.equal(r.code, 0, `${command}: ${r.stderr}`);
  assert.ok(r.events.length, `${command}: stdout is JSON lines\n${r.stdout}`);
  const last = r.events.at(-1)!;
  assert.equal(last.type, 'result', `${command}: the last line is the result object: ${JSON.stringify(last).slice(0, 200)}`);
  assert.equal(last.command, command);
  return last;
}

test(
  'every command ends its --json output with {"type":"result","command":...}',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') },
  async () => {
    const runs: Array<[string, string[]]> = [
      ['train', ['train', '--data', data, ...BB, '--out', model, '--epochs', '2', '--json']],
      ['eval', ['eval', '--model', model, '--data', data, '--split', 'all', '--workers', '1', '--json']],
      ['predict', ['predict', '--model', model, CAT, '--workers', '1', '--json']],
      ['data info', ['data', 'info', '--data', data, '--json']],
      ['data get', ['data', 'get', 'cats-vs-dogs', '--json']],
      ['data list', ['data', 'list', '--json']],
      ['models', ['models', '--json']],
      ['config', ['config', 'list', '--json']],
      ['activations', ['activations', ...BB, '--layer', 'MobilenetV2_Conv_1_Relu6', CAT, '--out', path.join(work, 'grid.png'), '--json']],
      ['explain', ['explain', '--model', model, CAT, '--out', path.join(work, 'cam.png'), '--workers', '1', '--json']],
      ['lr-find', ['lr-find', '--data', data, ...BB, '--steps', '20', '--json']],
      ['doctor', ['doctor', '--json']],
      ['pairs train', ['pairs', 'train', '--data', data, ...BB, '--out', path.join(work, 'pairs'), '--epochs', '1', '--pairs', '64', '--json']],
      [
        'pairs eval',
        ['pairs', 'eval', '--model', path.join(work, 'pairs'), '--data', data, '--ways', '2', '--shots', '1', '--episodes', '5', '--workers', '1', '--json'],
      ],
      ['pairs compare', ['pairs', 'compare', '--model', path.join(work, 'pairs'), CAT, CAT, '--workers', '1', '--json']],
      ['review', ['review', '--data', data, ...BB, '--folds', '3', '--epochs', '3', '--json']],
      ['export', ['export', '--model', model, '--format', 'onnx', '--out', path.join(work, 'model.onnx'), '--workers', '1', '--json']],
      ['similar', ['similar', '--data', data, ...BB, CAT, '--top', '3', '--json']],
    ];
    // a new command must be added here
    assert.deepEqual(new Set(runs.map(([c]) => c)), new Set(COMMANDS.map((c) => c.name)));
    for (const [command, args] of runs) {
      const last = lastLine(await runPetlab(args, { env }), command);
      if (command === 'activations') assert.match(String(last.layerType), /Conv|Relu|Activation/i, 'the layer type is kept, under its own name');
    }
    const list = lastLine(await runPetlab(['activations', ...BB, '--list-layers', '--json'], { env }), 'activations');
    assert.ok(Array.isArray(list.layers));
  },
);

test('with no terminal, an unknown command is named as unknown (exit 2), not taken for the workbench', { skip: skipUnless('cats-dogs') }, async () => {
  const r = await runPetlab(['frobnicate'], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  assert.doesNotMatch(r.stderr, /no terminal|did you mean/);
  // a word that is nearly a command is answered with it
  const near = await runPetlab(['evaluate', '--model', 'm'], { env });
  assert.equal(near.code, 2);
  assert.match(near.stderr, /unknown command "evaluate"\nhint: did you mean petlab eval\?/);
  // flags without a command, with no terminal, still say why there is no workbench
  const flags = await runPetlab(['--data', data], { env });
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /no terminal here/);
});

test('a mistyped command is matched to the one meant, and nothing is guessed for a word far from all', async () => {
  const { meantCommand } = await import('../src/cli/run-cli.js');
  assert.equal(meantCommand('evaluate'), 'eval');
  assert.equal(meantCommand('pred'), 'predict');
  assert.equal(meantCommand('trian'), 'train');
  assert.equal(meantCommand('Doctr'), 'doctor');
  assert.equal(meantCommand('frobnicate'), undefined);
  assert.equal(meantCommand('e'), undefined, 'too short to say: eval, explain or export');
});
