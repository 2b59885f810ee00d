/**
 * The frozen-features cache of fine-tuning (issue 17): a flipped bit or a truncated file is found,
 * the cache rebuilt and said so, and the run's result is what a sound cache gives.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CATS_DOGS, MOBILENET_V2_TFJS, listData, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, runPetlab } from './helpers/cli.js';
import { faultCase } from './helpers/faults.js';

type Events = Array<Record<string, unknown>>;
const warnings = (events: Events) => events.filter((e) => e.type === 'warning').map((e) => String(e.message));
/** [from cache, computed] over the training and validation features, from their progress summaries */
function featureSources(events: Events): [number, number] {
  const last = new Map<string, [number, number]>();
  for (const e of events) {
    const m = /^(\w+): frozen features: (\d+) from cache, (\d+) computed/.exec(String(e.detail ?? ''));
    if (m) last.set(m[1], [Number(m[2]), Number(m[3])]);
  }
  return [...last.values()].reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]);
}
const fineTuneEpochs = (events: Events) => events.filter((e) => e.type === 'epoch' && e.phase === 'fine-tune').map((e) => [e.loss, e.valAcc]);

test(
  'frozen features cache: a flipped bit and a torn end are found, the cache rebuilt, the result unchanged',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs') },
  async () => {
    const env = isolatedEnv();
    const pick = (c: string) =>
      listData(path.join(CATS_DOGS, c))
        .slice(300, 305)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const args = (out: string) =>
      ['train', '--data', data, '--backbone', MOBILENET_V2_TFJS, '--out', out, '--epochs', '1', '--fine-tune', '1', '--unfreeze', '1'].concat([
        '--views',
        '1',
        '--ft-batch',
        '4',
        '--micro-batch',
        '4',
        // one view of the validation pictures too: one record per picture
        '--no-tta',
        '--json',
      ]);
    const first = await runPetlab(args(path.join(tempDir(), 'a')), { env });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(warnings(first.events), []);

    const dir = path.join(env.PETLAB_CACHE_DIR, 'features');
    const file = path.join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.bin'))!,
    );
    const bytes = readFileSync(file);
    const rec = (bytes.length - 12) / 10; // 10 pictures, one view each
    assert.ok(Number.isInteger(rec), `whole records (${bytes.length} bytes)`);

    await faultCase('frozen features cache: flipped bit + truncated file', async () => {
      const bad = Buffer.from(bytes.subarray(0, bytes.length - Math.floor(rec / 2))); // the last record torn
      bad[12 + 2 * rec + 100] ^= 0x10; // one flipped bit in the third record's row
      writeFileSync(file, bad);
      const again = await runPetlab(args(path.join(tempDir(), 'b')), { env });
      assert.equal(again.code, 0, again.stderr);
      assert.ok(
        warnings(again.events).some((w) => /^frozen features cache damaged: rebuilt \(1 damaged record .*a torn end cut/.test(w)),
        warnings(again.events).join('\n'),
      );
      assert.deepEqual(featureSources(again.events), [8, 2], 'the two damaged rows are computed again, the others read');
      assert.deepEqual(fineTuneEpochs(again.events), fineTuneEpochs(first.events), 'same fine-tuning as with a sound cache');
      assert.equal(statSync(file).size, bytes.length, 'the rebuilt cache holds all ten records again');
    });

    await faultCase('frozen features cache: once rebuilt, read whole without a warning', async () => {
      const third = await runPetlab(args(path.join(tempDir(), 'c')), { env });
      assert.equal(third.code, 0, third.stderr);
      assert.deepEqual(warnings(third.events), []);
      assert.deepEqual(featureSources(third.events), [10, 0]);
    });
  },
);
