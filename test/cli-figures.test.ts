import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, SAMPLE_PHOTOS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

// The figures a user reads must agree with each other and with --json: the progress line's last
// rate is the summary's rate, a run with everything cached shows no rate at all, and words agree
// with their numbers.
const cats = listData(path.join(CATS_DOGS, 'cats')).sort().slice(20, 30);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort().slice(20, 30);
const data = linkDataset(CATS_DOGS, { cats: cats.map((f) => `cats/${f}`), dogs: dogs.map((f) => `dogs/${f}`) });
// --no-refit: one training run (a refit, the default on so small a set, is a second run with its own cached embedding pass)
// --no-flip: one embed pass, so the last progress bar is the summary's (the mirror pass has its own)
const TRAIN = ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--epochs', '1', '--workers', '1', '--no-refit', '--no-flip'];
// not a rate's decimals ("24.1 images/s")
const PLURAL_SLIPS = /(?<![\d.])1 (epochs|images|workers|classes|files|layers|blocks|batches|pictures)\b/;

test(
  'embedding: the last progress line, the summary and --json give the same images/s; a fully cached run shows no rate',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const env = isolatedEnv();
    const first = await runPetlab([...TRAIN, '--out', path.join(tempDir(), 'm1')], { env });
    assert.equal(first.code, 0, first.stderr);
    const all = first.stderr + first.stdout;
    const bars = [...first.stderr.matchAll(/^embed .* ([\d.]+) images\/s/gm)];
    assert.ok(bars.length, first.stderr);
    const summary = /embedded 20 images in \S+: 0 from cache, 20 computed at ([\d.]+) images\/s/.exec(all);
    assert.ok(summary, all);
    assert.equal(bars.at(-1)![1], summary[1], `the progress line ends at the summary's rate:\n${all}`);
    assert.doesNotMatch(all, PLURAL_SLIPS);

    const cached = await runPetlab([...TRAIN, '--out', path.join(tempDir(), 'm2')], { env });
    assert.equal(cached.code, 0, cached.stderr);
    const line =
      cached.stderr
        .split('\n')
        .filter((l) => l.startsWith('embed '))
        .at(-1) ?? '';
    assert.match(line, /20\/20/);
    assert.match(line, /from cache/);
    assert.doesNotMatch(line, /images\/s|ETA/, `nothing was computed: no rate, no ETA: ${line}`);
    assert.match(cached.stdout, /embedded 20 images in \S+: 20 from cache, 0 computed/);

    const json = await runPetlab([...TRAIN, '--out', path.join(tempDir(), 'm3'), '--json'], { env: isolatedEnv() });
    assert.equal(json.code, 0, json.stderr);
    const progress = json.events.filter((e) => e.type === 'progress' && e.phase === 'embed').at(-1) as {
      rate: number;
      done: number;
      total: number;
      etaSeconds: number;
    };
    const result = json.events.at(-1) as { embed: { imagesPerSecond: number } };
    assert.equal(progress.done, progress.total);
    assert.equal(progress.rate, result.embed.imagesPerSecond, "the last progress event carries the run's rate");
    assert.equal(progress.etaSeconds, 0);
  },
);

test('one of a thing is singular: 1 epoch, 1 image', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs', 'sample-photos') }, async () => {
  const env = isolatedEnv();
  const out = path.join(tempDir(), 'm');
  const r = await runPetlab([...TRAIN, '--out', out], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\b1 epoch\b/);
  const p = await runPetlab(['predict', '--model', out, path.join(SAMPLE_PHOTOS, 'cat_720p.jpg'), '--workers', '1'], { env });
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /\b1 image\b/);
  assert.doesNotMatch(r.stderr + r.stdout + p.stderr + p.stdout, PLURAL_SLIPS);
});

test('in a terminal, the finished bar stays on screen with its last figures; unfinished ones are erased', { skip: skipUnless('cats-dogs') }, async () => {
  const { PassThrough } = await import('node:stream');
  const { Reporter } = await import('../src/cli/reporter.js');
  const err = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let text = '';
  err.on('data', (d) => (text += d));
  const r = new Reporter({ json: false, verbose: false, stdout: new PassThrough(), stderr: err });
  const p = { type: 'progress', phase: 'embed', total: 20, unit: 'images' } as const;
  r.event({ ...p, done: 5, rate: 18.9, etaSeconds: 1 });
  r.event({ ...p, done: 20, rate: 18.9, etaSeconds: 0 });
  r.event({ ...p, done: 20, rate: 7.9, etaSeconds: 0 });
  r.note('» training');
  const screen = text.split('\n').map((l) =>
    l
      .split('\r')
      .at(-1)!
      .replace(/\x1b\[2K/g, ''),
  );
  assert.deepEqual(screen.filter(Boolean), ['  embed ████████████████████████ 20/20 7.9 images/s', '» training']);
});
