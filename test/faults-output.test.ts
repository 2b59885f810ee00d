/**
 * Issue 10 §1 and §4: petlab never replaces a folder that is not its own, one run holds an output
 * folder at a time, what a killed run left is cleaned up, every option is checked before any work,
 * and --resume knows where a run stands. Driven through the CLI, as a user meets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab, watchPetlab, type RunResult } from './helpers/cli.js';

const env = isolatedEnv();
const cats = listData(path.join(CATS_DOGS, 'cats'))
  .sort()
  .slice(300, 316)
  .map((f) => `cats/${f}`);
const dogs = listData(path.join(CATS_DOGS, 'dogs'))
  .sort()
  .slice(300, 316)
  .map((f) => `dogs/${f}`);

/** Refused with one clear line, before TensorFlow started (no backend line). */
function assertRefusedEarly(r: RunResult, re: RegExp): void {
  assert.ok(r.code === 1 || r.code === 2, `refused (exit ${r.code}): ${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => /^petlab: (usage )?error: /.test(l));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], re);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, r.stderr);
  assert.doesNotMatch(r.stderr, /backend:/, `refused before any work:\n${r.stderr}`);
}

/** A process that has exited: its PID is a dead run's. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const train = (args: string[]) => runPetlab(['train', '--backbone', MOBILENET_V2_TFJS, '--epochs', '2', ...args], { env });

test(
  '--out a folder of user files is refused before any work, and nothing in it is touched',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const data = linkDataset(CATS_DOGS, { cats, dogs });
    const out = tempDir('petlab-userdir-');
    writeFileSync(path.join(out, 'thesis.txt'), 'four years of work');
    mkdirSync(path.join(out, 'sub'));
    writeFileSync(path.join(out, 'sub', 'notes.md'), 'notes');
    const r = await train(['--data', data, '--out', out]);
    assertRefusedEarly(r, /is not empty and not a petlab model \(it holds sub, thesis.txt\)/);
    assert.equal(readFileSync(path.join(out, 'thesis.txt'), 'utf8'), 'four years of work');
    assert.equal(readFileSync(path.join(out, 'sub', 'notes.md'), 'utf8'), 'notes');
    assert.deepEqual(readdirSync(out).sort(), ['sub', 'thesis.txt']);
    assert.deepEqual(
      readdirSync(path.dirname(out)).filter((e) => e.startsWith(`.${path.basename(out)}.`)),
      [],
      'no lock or temp left beside it',
    );
  },
);

test(
  '--out the dataset, its parent, or a folder inside it is refused; every picture stays',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const parent = tempDir('petlab-parent-');
    writeFileSync(path.join(parent, 'README'), 'my pictures');
    const data = linkDataset(CATS_DOGS, { cats, dogs }, path.join(parent, 'pets'));
    const count = () => readdirSync(path.join(data, 'cats')).length + readdirSync(path.join(data, 'dogs')).length;
    assertRefusedEarly(await train(['--data', data, '--out', data]), /is the dataset folder itself/);
    assertRefusedEarly(await train(['--data', data, '--out', parent]), /holds the dataset/);
    assertRefusedEarly(await train(['--data', data, '--out', path.join(data, 'model')]), /is inside the dataset/);
    // the same folder spelled another way is still the same folder
    assertRefusedEarly(await train(['--data', data, '--out', path.join(data, 'cats', '..')]), /is the dataset folder itself/);
    assert.equal(count(), 32);
    assert.ok(existsSync(path.join(parent, 'README')));
    assert.ok(!existsSync(path.join(data, 'model')));
  },
);

test('a petlab model holding a file petlab did not write is refused, naming the file', { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') }, async () => {
  const data = linkDataset(CATS_DOGS, { cats, dogs });
  const out = tempDir('petlab-model-');
  writeFileSync(path.join(out, 'petlab.json'), JSON.stringify({ format: 'petlab-model', classes: ['cats', 'dogs'] }));
  mkdirSync(path.join(out, 'head'));
  writeFileSync(path.join(out, 'my-results.csv'), 'a,b');
  assertRefusedEarly(await train(['--data', data, '--out', out]), /is a petlab model but also holds files petlab did not write \(my-results.csv\)/);
  assert.ok(existsSync(path.join(out, 'my-results.csv')));
});

test(
  'every option is checked before any work: --fine-tune with --unfreeze 0 writes nothing',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const data = linkDataset(CATS_DOGS, { cats, dogs });
    const out = path.join(tempDir(), 'm');
    const r = await train(['--data', data, '--out', out, '--fine-tune', '2', '--unfreeze', '0']);
    assertRefusedEarly(r, /--unfreeze 0 trains no layer of the backbone/);
    assert.equal(r.code, 2);
    assert.ok(r.seconds < 15, `refused in ${r.seconds} s`);
    assert.ok(!existsSync(out), '--out was not written');
  },
);

test(
  "core: a lock of a live run refuses, a dead run's lock and temp folders are taken over, a moved-aside model is put back",
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const { cleanupDeadTemps, prepareOutputDir } = await import('../src/core/io/output-dir.js');
    const parent = tempDir();
    const out = path.join(parent, 'm');
    writeFileSync(path.join(parent, '.m.lock'), `${process.ppid}\n`); // a live process that is not this one
    await assert.rejects(prepareOutputDir(out), new RegExp(`another petlab run \\(PID ${process.ppid}\\) is writing to ${out}`));
    const dead = deadPid();
    writeFileSync(path.join(parent, '.m.lock'), `${dead}\n`);
    // killed between the two renames of a swap: the model is only in the .old copy
    mkdirSync(path.join(parent, `.m.tmp-${dead}-0a1b2c3d.old`, 'head'), { recursive: true });
    writeFileSync(path.join(parent, `.m.tmp-${dead}-0a1b2c3d.old`, 'petlab.json'), JSON.stringify({ format: 'petlab-model', classes: ['a', 'b'] }));
    mkdirSync(path.join(parent, `.m.tmp-${dead}-99aa88bb`));
    mkdirSync(path.join(parent, `.m.tmp-${process.ppid}-77777777`)); // a live run's: kept
    const p = await prepareOutputDir(out);
    assert.deepEqual(readdirSync(parent).sort(), ['.m.lock', `.m.tmp-${process.ppid}-77777777`, 'm']);
    assert.equal(readFileSync(path.join(parent, '.m.lock'), 'utf8').trim(), String(process.pid));
    assert.deepEqual(readdirSync(out).sort(), ['head', 'petlab.json'], 'the last model is back in place');
    assert.equal(p.cleaned.length, 2);
    await p.release();
    assert.ok(!existsSync(path.join(parent, '.m.lock')), 'released');
    writeFileSync(path.join(out, `.petlab.json.tmp-${dead}-12345678`), '{');
    assert.deepEqual(await cleanupDeadTemps(out), [path.join(out, `.petlab.json.tmp-${dead}-12345678`)]);
  },
);

// One real run serves the tests below: a second run on its --out while it trains, kill -9, resume.
const data = linkDataset(CATS_DOGS, { cats, dogs });
const out = path.join(tempDir('petlab-run-'), 'model');
const FT = [
  'train',
  '--data',
  data,
  '--backbone',
  MOBILENET_V2_TFJS,
  '--out',
  out,
  '--epochs',
  '3',
  '--fine-tune',
  '2',
  '--unfreeze',
  '1',
  '--views',
  '1',
  '--ft-batch',
  '8',
  '--micro-batch',
  '4',
  '--json',
];

/** Start a run; call onEvent for each JSON event; resolves with its exit code. */
const startRun = (args: string[], onEvent: Parameters<typeof watchPetlab>[2]) => watchPetlab(args, env, onEvent);

test(
  'a second train on the same --out is refused at once; Ctrl-C while computing frozen features, then --resume fine-tunes (not "already complete")',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    let second: Promise<RunResult> | undefined;
    let sent = false;
    const first = await startRun(FT, (e, child) => {
      if (e.type === 'checkpoint' && !second) {
        // hold the first run still while a second one tries the same --out
        child.kill('SIGSTOP');
        second = runPetlab(
          FT.filter((a) => a !== '--json'),
          { env },
        );
        void second.finally(() => child.kill('SIGCONT'));
      }
      // the frozen phase is saved; fine-tuning computes its features: stop there
      if (e.type === 'phase' && e.phase === 'embed' && /frozen features/.test(String(e.message)) && !sent) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(second, 'a checkpoint was written');
    const r2 = await second!;
    assert.equal(r2.code, 1, r2.stderr);
    assert.match(r2.stderr, /petlab: error: another petlab run \(PID \d+\) is writing to /);
    assert.ok(r2.seconds < 20, `said at once (${r2.seconds} s)`);
    assert.ok(sent, `reached the frozen features (stderr: ${first.stderr})`);
    assert.equal(first.code, 130, first.stderr);
    // a graceful stop, not an exit at once: the result says what is kept
    assert.deepEqual(first.events.at(-1), { type: 'result', command: 'train', stopped: true, modelDir: out, epochsDone: 0 });
    assert.ok(!existsSync(path.join(path.dirname(out), '.model.lock')), 'the lock is released on Ctrl-C');

    // a resume on other classes or another backbone is refused, naming the difference
    const birds = linkDataset(CATS_DOGS, { cats, birds: dogs });
    assertRefusedEarly(
      await runPetlab(['train', '--out', out, '--resume', '--data', birds], { env }),
      /--resume: the classes of .* differ from the run's in .* \(.* has birds; the run has dogs\)/,
    );
    assertRefusedEarly(
      await runPetlab(['train', '--out', out, '--resume', '--backbone', 'mobilenet_v1_075_192'], { env }),
      /--resume continues the run in .* with its backbone .*tfjs-reference, not mobilenet_v1_075_192/,
    );

    const resumed = await runPetlab(['train', '--out', out, '--resume', '--json'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    const epochs = resumed.events.filter((e) => e.type === 'epoch').map((e) => `${e.phase}:${e.epoch}`);
    assert.deepEqual(epochs, ['fine-tune:1', 'fine-tune:2'], 'the frozen phase is not run again');
    const meta = JSON.parse(readFileSync(path.join(out, 'petlab.json'), 'utf8'));
    assert.equal(meta.complete, true);
    assert.equal(meta.backbone.fineTuned, true);
    const again = await runPetlab(['train', '--out', out, '--resume'], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already complete/);
  },
);

test(
  "kill -9 during the first fine-tuning epoch: --resume fine-tunes; a dead run's temp folders beside --out are cleaned up",
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const out2 = path.join(tempDir('petlab-run-'), 'model');
    const args = FT.map((a) => (a === out ? out2 : a));
    let killedPid = 0;
    const r = await startRun(args, (e, child) => {
      if (e.type === 'phase' && e.phase === 'fine-tune' && !killedPid) {
        killedPid = child.pid!;
        child.kill('SIGKILL');
      }
    });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    // what a kill -9 in the middle of a checkpoint write leaves (io/atomic.ts names it with the PID)
    const parent = path.dirname(out2);
    mkdirSync(path.join(parent, `.model.tmp-${killedPid}-deadbeef`, 'head'), { recursive: true });
    writeFileSync(path.join(parent, `.model.tmp-${killedPid}-deadbeef`, 'head', 'weights.bin'), Buffer.alloc(1000));
    assert.ok(existsSync(path.join(parent, '.model.lock')), 'the killed run left its lock');
    const resumed = await runPetlab(['train', '--out', out2, '--resume', '--json'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      resumed.events.filter((e) => e.type === 'epoch').map((e) => `${e.phase}:${e.epoch}`),
      ['fine-tune:1', 'fine-tune:2'],
    );
    assert.deepEqual(readdirSync(parent), ['model'], 'temp folder and stale lock are gone');
    // the frozen features of the killed run were cached: the resume does not compute them again (issue 11 item 12)
    const details = resumed.events.filter((e) => e.type === 'progress' && /frozen features/.test(String(e.detail))).map((e) => String(e.detail));
    assert.ok(
      details.some((d) => /^train: frozen features, 1 view, cached 26\/26$/.test(d)),
      details.join('\n'),
    );
    assert.ok(
      details.some((d) => /^val: frozen features, 2 views, cached 12\/12$/.test(d)),
      details.join('\n'),
    );
    // and says so in one summary line per split (issue 17)
    assert.ok(details.includes('train: frozen features: 26 from cache, 0 computed'), details.join('\n'));
    // validation with flip TTA, the default: each picture and its mirror image
    assert.ok(details.includes('val: frozen features: 12 from cache, 0 computed'), details.join('\n'));
  },
);

test(
  "core: a run is complete only when its last epoch is (the CLI's --resume and the workbench's alt+f ask the same)",
  { skip: skipUnless('mobilenet-v2-tfjs') },
  async () => {
    const { runPoint } = await import('../src/core/model/run-state.js');
    const dir = tempDir();
    const meta = (o: Record<string, unknown>) =>
      ({
        format: 'petlab-model',
        classes: ['a', 'b'],
        backbone: { fineTuned: false },
        training: {},
        complete: false,
        epochsDone: 0,
        history: [],
        ...o,
      }) as never;
    const state = (s: Record<string, unknown> | undefined) => {
      rmSync(path.join(dir, 'state'), { recursive: true, force: true });
      if (s) {
        mkdirSync(path.join(dir, 'state'));
        writeFileSync(path.join(dir, 'state', 'state.json'), JSON.stringify(s));
      }
    };
    state({ phase: 'train', epoch: 2 });
    assert.deepEqual(await runPoint(dir, meta({})), { phase: 'head', epochsDone: 2 });
    state(undefined);
    assert.deepEqual(await runPoint(dir, meta({ complete: true })), { phase: 'complete' }, 'a head-only run ends with its head');
    // the frozen phase saved as finished, fine-tuning planned but not begun (Ctrl-C while computing features)
    assert.deepEqual(await runPoint(dir, meta({ complete: true, training: { fineTune: { epochs: 3 } } })), { phase: 'fine-tune', epochsDone: 0, epochs: 3 });
    state({ phase: 'fine-tune', epoch: 1 });
    assert.deepEqual(await runPoint(dir, meta({ backbone: { fineTuned: true }, training: { fineTune: { epochs: 3 } } })), {
      phase: 'fine-tune',
      epochsDone: 1,
      epochs: 3,
    });
    state(undefined);
    assert.deepEqual(await runPoint(dir, meta({ complete: true, backbone: { fineTuned: true }, training: { fineTune: { epochs: 3 } } })), {
      phase: 'complete',
    });
  },
);
