import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from '../src/core/session.js';
import { scanDataset } from '../src/core/data/scan.js';
import { sourceFromPath } from '../src/core/backbones/source.js';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { adaptSession } from '../src/tui/controller/core-adapter.js';
import { CATS_DOGS, MOBILENET_V2_TFJS, tempDir, skipUnless, listData } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';

// The CLI and the workbench reach the TensorFlow workers through the Session only, so the two run
// the same lr-find: same figures on the same data, same refusal of a dataset too small for it.

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

test('no front end (src/cli, src/tui) imports the workers or calls the pool', { skip: skipUnless('cats-dogs') }, () => {
  const offenders: string[] = [];
  for (const f of [...sourcesUnder(path.join(PROJECT_ROOT, 'src', 'cli')), ...sourcesUnder(path.join(PROJECT_ROOT, 'src', 'tui'))]) {
    const text = readFileSync(f, 'utf8');
    if (/from ['"][./]*core\/worker\//.test(text) || /\.pool\b/.test(text)) offenders.push(path.relative(PROJECT_ROOT, f));
  }
  assert.deepEqual(offenders, []);
});

const cats = listData(path.join(CATS_DOGS, 'cats')).sort().slice(40, 48);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).sort().slice(40, 48);
const data = linkDataset(CATS_DOGS, { cats: cats.map((f) => `cats/${f}`), dogs: dogs.map((f) => `dogs/${f}`) });

// train/ and val/ folders: one readable training picture, one that is not a picture
const tiny = tempDir('petlab-tiny-');
for (const split of ['train', 'val']) for (const c of ['cats', 'dogs']) mkdirSync(path.join(tiny, split, c), { recursive: true });
if (cats.length) {
  symlinkSync(path.join(CATS_DOGS, 'cats', cats[0]), path.join(tiny, 'train', 'cats', 'cat.jpg'));
  writeFileSync(path.join(tiny, 'train', 'dogs', 'dog.jpg'), 'not a picture');
  symlinkSync(path.join(CATS_DOGS, 'cats', cats[1]), path.join(tiny, 'val', 'cats', 'cat.jpg'));
  symlinkSync(path.join(CATS_DOGS, 'dogs', dogs[1]), path.join(tiny, 'val', 'dogs', 'dog.jpg'));
}

const SWEEP = { hiddenUnits: 0, batchSize: 64, seed: 42, steps: 20, startLr: 1e-7, endLr: 10 };

test(
  'lr-find: the CLI and the workbench run one sweep through the Session, with the same figures and the same refusal',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const env = isolatedEnv();
    const cli = await runPetlab(['lr-find', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--steps', '20', '--json'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    const viaCli = cli.events.at(-1) as { suggestion: number; points: Array<{ lr: number; loss: number }> };
    const tooSmall = await runPetlab(['lr-find', '--data', tiny, '--backbone', MOBILENET_V2_TFJS, '--workers', '1', '--steps', '20'], { env });
    assert.equal(tooSmall.code, 1, tooSmall.stderr);
    assert.match(tooSmall.stderr, /lr-find needs at least 2 readable training images/);

    const session = await Session.open({ backend: 'wasm', workers: 1, cacheDir: tempDir(), resize: 'cover', embedBatchSize: 16 });
    try {
      await session.loadBackboneSource(MOBILENET_V2_TFJS, await sourceFromPath(MOBILENET_V2_TFJS));
      const core = adaptSession(session);
      const viaTui = await core.lrFind({ dataset: await scanDataset(data, { valFraction: 0.2, seed: 42 }), ...SWEEP });
      assert.equal(viaTui.points.length, viaCli.points.length);
      assert.equal(viaTui.suggestion, viaCli.suggestion);
      viaTui.points.forEach((p, i) => assert.ok(Math.abs(p.loss - viaCli.points[i].loss) < 1e-5, `step ${i}: ${p.loss} vs ${viaCli.points[i].loss}`));
      // the unfreeze plan (Model stack marks, fine-tuning) comes from the Session as well
      assert.equal((await core.planUnfreeze({ kind: 'blocks', n: 2 })).blocks, 2);
      await assert.rejects(
        core.lrFind({ dataset: await scanDataset(tiny, { valFraction: 0.2, seed: 42 }), ...SWEEP }),
        /lr-find needs at least 2 readable training images/,
      );
    } finally {
      await session.close();
    }
  },
);
