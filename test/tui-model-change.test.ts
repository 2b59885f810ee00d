/**
 * When the model changes, what the workbench shows follows it (issue 11, items 6 and 7): the
 * Predictions pane is predicted again by a fine-tuned or retrained model, and the next start on a
 * dataset opens the model last saved for it, from petlab's data folder (never the current one).
 * ink-testing-library with the fake core session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAST_MODELS_FILE, lastModelFor, recordLastModel } from '../src/core/model/last-models.js';
import { defaultDataDir } from '../src/core/paths.js';
import { KEYS, mount, smallDataset, stripAnsi, trainHead } from './helpers/tui.js';
import { skipUnless, tempDir } from './helpers/shared.js';

const data = smallDataset();

/** The Predictions pane's rows (the right half of the bottom row of panes, in the default layout). */
const predictionsText = (frame: string) => {
  const lines = stripAnsi(frame).split('\n');
  const top = lines.findIndex((l) => l.includes(' 4 Predictions'));
  const x = lines[top]?.indexOf(' 4 Predictions') ?? 0;
  return lines
    .slice(top + 1)
    .map((l) => [...l].slice(Math.max(0, x - 2)).join(''))
    .join('\n');
};

test(
  'Predictions: fine-tuning or training again predicts the picture again with the new model (bars, Grad-CAM and the model line agree)',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data, columns: 140, rows: 40 });
    t.after(m.unmount);
    const s = await m.session();
    await trainHead(m);
    await m.press(KEYS.prefix, '1', KEYS.enter);
    await m.waitFor(/cat\.0\.jpg — cats/);
    await m.press(KEYS.alt('p'));
    let f = await m.waitFor((fr) => /✓ right — true label cats/.test(predictionsText(fr)) && /93\.0%/.test(predictionsText(fr)));
    assert.match(predictionsText(f), /model 3 epochs · val 100\.0% · /, 'which model predicted it');
    await m.press(KEYS.prefix, '4', 'g');
    await m.waitFor(/Grad-CAM: cats \(93\.0%\)/);
    const predictedBefore = s.predicted.length;

    // the fine-tuned model gives other probabilities: the pane must show its, not the head's
    s.predictTop = 0.61;
    await m.press(KEYS.alt('d'), 'fine-tune 1', KEYS.enter);
    await m.waitFor(/fine-tuning 0\/1|preparing fine-tune|frozen features/);
    s.nextEpoch();
    await m.waitFor(/fine-tuned the top/);
    f = await m.waitFor((fr) => /61\.0%/.test(predictionsText(fr)) && /Grad-CAM: cats \(61\.0%\)/.test(fr), 5000);
    assert.doesNotMatch(predictionsText(f), /93\.0%/, 'no bar of the head-only model is left');
    assert.match(predictionsText(f), /model 4 epochs · /);
    assert.ok(s.predicted.length > predictedBefore, 'predicted again');

    // a new training (alt+t) replaces the model again: predicted again
    s.predictTop = 0.8;
    await m.press(KEYS.alt('t'));
    for (let i = 0; i < 3; i++) {
      await m.waitFor(new RegExp(`training ${i}/3`));
      s.nextEpoch();
    }
    f = await m.waitFor((fr) => /80\.0%/.test(predictionsText(fr)) && /model 3 epochs · /.test(predictionsText(fr)), 5000);
    assert.doesNotMatch(predictionsText(f), /61\.0%/);
  },
);

test(
  "models are saved under petlab's data folder, said before training; the next start on the dataset loads the last one and says so",
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const dataDir = tempDir('petlab-datadir-');
    const first = mount({ data, dataDir });
    const s = await first.session();
    await trainHead(first);
    const out = s.trainRequests[0].out;
    assert.equal(path.dirname(out), path.join(dataDir, 'models'), 'in the data folder, not the current one');
    assert.match(path.basename(out), /-fakenet$/);
    const log = first.store.get().log.map((l) => l.text);
    const said = log.findIndex((l) => l === `train: 2 classes from ${data}; the model will be saved to ${out}`);
    const trained = log.findIndex((l) => /^trained/.test(l));
    assert.ok(said >= 0 && said < trained, `where it goes is said before training ends:\n${log.join('\n')}`);
    assert.ok(existsSync(path.join(dataDir, LAST_MODELS_FILE)), 'the index of last models');
    first.unmount();
    // what the core would have saved there (the fake session writes nothing)
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'petlab.json'), '{}');

    // a restart on the same dataset: the last model is loaded, not "No trained model yet"
    const second = mount({ data, dataDir });
    const s2 = await second.session();
    const f = stripAnsi(await second.waitFor(/trained \(val 90\.0%\)/, 5000));
    assert.equal(s2.model?.dir, out);
    const line = second.store.get().log.find((l) => l.text.startsWith('loaded last model for'));
    assert.match(
      line?.text ?? '',
      new RegExp(
        `^loaded last model for ${data.replace(/[/.]/g, '\\$&')}: ${out.replace(/[/.]/g, '\\$&')} \\(val 100\\.0%, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\)$`,
      ),
    );
    assert.match(f, /loaded last model for/);
    assert.doesNotMatch(f, /No trained model yet/);
    assert.match(f, /No prediction yet/);
    second.unmount();

    // the model folder deleted since: said, and the workbench starts without it
    rmSync(out, { recursive: true });
    const third = mount({ data, dataDir });
    t.after(third.unmount);
    await third.ready();
    assert.ok(third.store.get().log.some((l) => l.text === `the last model for ${data} (${out}) is gone: starting without a model`));
    assert.equal(third.store.get().model, undefined);
  },
);

test('the last-model index: one entry per dataset, written atomically; a damaged index reads as empty; PETLAB_DATA_DIR moves the data folder', async () => {
  const dir = tempDir('petlab-index-');
  assert.equal(await lastModelFor(dir, '/data/a'), undefined);
  await recordLastModel(dir, '/data/a', { dir: '/m/a1', backbone: 'mobilenet_v2', accuracy: 0.5 });
  await recordLastModel(dir, '/data/b', { dir: '/m/b', backbone: 'mobilenet_v2' });
  await recordLastModel(dir, '/data/a/', { dir: '/m/a2', backbone: 'mobilenet_v2', accuracy: 0.982, savedAt: '2026-12-01T10:00:00.000Z' });
  assert.deepEqual(await lastModelFor(dir, '/data/a'), { dir: '/m/a2', backbone: 'mobilenet_v2', accuracy: 0.982, savedAt: '2026-12-01T10:00:00.000Z' });
  assert.equal((await lastModelFor(dir, '/data/b'))?.dir, '/m/b');
  const { readdirSync } = await import('node:fs');
  assert.deepEqual(readdirSync(dir), [LAST_MODELS_FILE], 'no temp file left');
  assert.equal(JSON.parse(readFileSync(path.join(dir, LAST_MODELS_FILE), 'utf8')).format, 'petlab-last-models');
  writeFileSync(path.join(dir, LAST_MODELS_FILE), '{ half a fi');
  assert.equal(await lastModelFor(dir, '/data/a'), undefined);
  await recordLastModel(dir, '/data/c', { dir: '/m/c', backbone: 'x' });
  assert.equal((await lastModelFor(dir, '/data/c'))?.dir, '/m/c');
  assert.equal(defaultDataDir({ PETLAB_DATA_DIR: 'rel/dir' }), path.resolve('rel/dir'));
  assert.match(defaultDataDir({}), /petlab/);
});
