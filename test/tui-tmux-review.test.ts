/**
 * A real terminal, real weights, a real dataset with planted mistakes (issue 14): 20 cats and 20
 * dogs, 3 of the dogs filed under cats/. alt+r reviews it; the first suspect is a planted dog, a
 * moves it into dogs/ on disk (and `petlab data info` counts it there); after q and a restart, u
 * (the journal in the dataset folder) puts it back in cats/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, PETLAB_BIN, runPetlab } from './helpers/cli.js';
import { hasTmux, Tmux } from './helpers/tmux.js';

const PLANTED = ['dog.20.jpg', 'dog.21.jpg', 'dog.22.jpg'];

/** 20 cats and 20 dogs copied (the review moves files; ../shared is read-only), 3 more dogs in cats/. */
function plantedDataset(): string {
  const root = tempDir('petlab-review-data-');
  const copy = (from: string, name: string, to: string) => {
    mkdirSync(path.join(root, to), { recursive: true });
    copyFileSync(path.join(CATS_DOGS, from, name), path.join(root, to, name));
  };
  for (let i = 0; i < 20; i++) {
    copy('cats', `cat.${i}.jpg`, 'cats');
    copy('dogs', `dog.${i}.jpg`, 'dogs');
  }
  for (const f of PLANTED) copy('dogs', f, 'cats');
  return root;
}

async function counts(data: string, env: Record<string, string>): Promise<Record<string, number>> {
  const r = await runPetlab(['data', 'info', '--data', data, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { classes: Array<{ name: string; train: number; val: number; test: number }> };
  return Object.fromEntries(out.classes.map((c) => [c.name, c.train + c.val + c.test]));
}

test(
  'tmux: alt+r finds a planted dog among the cats, a moves it into dogs/ on disk, u after a restart moves it back',
  {
    skip: hasTmux() ? skipUnless('cats-dogs', 'mobilenet-v2-tfjs') : 'tmux is not installed: the terminal test needs it (apt-get install tmux)',
    timeout: 180_000,
  },
  async (t) => {
    const data = plantedDataset();
    const env = isolatedEnv();
    assert.deepEqual(await counts(data, env), { cats: 23, dogs: 20 });
    const tmux = new Tmux(`petlab-h14b-review-${process.pid}`);
    t.after(() => tmux.kill());
    tmux.start(160, 48, { ...env, NODE_OPTIONS: '', PS1: '$ ' });
    tmux.keys([`cd ${tempDir()} && clear`, 'Enter']);
    const start = async () => {
      tmux.keys([`node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`, 'Enter']);
      // keys go in as soon as the workbench is on screen: alt+r waits for TensorFlow by itself
      await tmux.waitFor((s) => /Dataset/.test(s) && /2 classes/.test(s), 60_000);
    };
    // alt+r opens the Review pane beside the focused one (focus stays, as for every revealed pane): ctrl+f N goes there
    const focusReview = (screen: string) => tmux.keys(['C-f', /(\d) Review/.exec(screen)![1]]);
    const quit = async () => {
      tmux.keys(['q']);
      await tmux.waitFor((s) => /[$#]$/.test(s.trimEnd()) && !/Dataset/.test(s), 15_000);
    };

    await start();
    tmux.keys(['M-r']);
    let { screen } = await tmux.waitFor((s) => /suspect 1\/\d+/.test(s) && /labelled \w+ · suggested \w+/.test(s), 120_000);
    focusReview(screen);
    // 40 pictures are few for a cross-validation: the planted dogs need not come first, j goes on to one
    const total = Number(/suspect 1\/(\d+)/.exec(screen)![1]);
    const planted = (s: string) => (/labelled cats · suggested dogs/.test(s) ? PLANTED.find((f) => s.includes(`cats/${f}`)) : undefined);
    const seen: string[] = [];
    for (let i = 1; !planted(screen); i++) {
      seen.push(/labelled \w+ · suggested \w+/.exec(screen)![0]);
      assert.ok(i < total, `no planted dog (${PLANTED.join(', ')}) among the ${total} suspects: ${seen.join('; ')}\n${screen}`);
      tmux.keys(['j']);
      ({ screen } = await tmux.waitFor((s) => s.includes(`suspect ${i + 1}/${total}`), 15_000));
    }
    const name = planted(screen)!;
    const at = Number(/suspect (\d+)\//.exec(screen)![1]);
    tmux.keys(['a']);
    ({ screen } = await tmux.waitFor((s) => s.includes(`suspect ${Math.min(at + 1, total)}/${total}`) && /✓ moved|review: cats\//.test(s), 15_000));
    await quit();
    assert.ok(existsSync(path.join(data, 'dogs', name)), `${name} is in dogs/ now: ${readdirSync(path.join(data, 'dogs')).join(', ')}`);
    assert.ok(!existsSync(path.join(data, 'cats', name)), `${name} has left cats/`);
    assert.deepEqual(await counts(data, env), { cats: 22, dogs: 21 }, 'petlab data info counts the move');

    // a restart: no review has run yet, u still moves the picture back (the journal in the dataset folder)
    await start();
    tmux.keys(['M-r']);
    // the new review (embeddings cached now) reads the journal: u undoes the move made before q
    ({ screen } = await tmux.waitFor((s) => /suspect 1\/\d+/.test(s), 120_000));
    focusReview(screen);
    // the Review pane's keys on the status bar: its journal holds the move made before q
    await tmux.waitFor((s) => /u undo \(1\)/.test(s), 15_000);
    tmux.keys(['u']);
    ({ screen } = await tmux.waitFor((s) => s.includes(`undone: cats/${name} is back in cats`), 30_000));
    await quit();
    assert.ok(existsSync(path.join(data, 'cats', name)) && !existsSync(path.join(data, 'dogs', name)), `${name} is back in cats/`);
    assert.deepEqual(await counts(data, env), { cats: 23, dogs: 20 });
  },
);
