import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';
import type { ExportOutcome } from '../src/core/export/run.js';

/** The workbench's export: o in the Model stack (ONNX beside the model), or alt+d export FORMAT PATH. */

const data = smallDataset();

test(
  'o in the Model stack exports ONNX beside the model (says why not before a model); alt+d export tfjs PATH',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data });
    t.after(m.unmount);
    const s = await m.session();
    const calls: Array<[string, string, string]> = [];
    Object.assign(s, {
      exportModel: async (dir: string, format: string, out: string): Promise<ExportOutcome> => {
        calls.push([dir, format, out]);
        return {
          format: format as 'onnx',
          out,
          files: [`${out}/model.onnx`, `${out}/labels.txt`, `${out}/petlab-export.json`],
          bytes: 8_868_092,
          seconds: 1.5,
          warnings: [],
        };
      },
    });
    await m.ready();
    await m.press(KEYS.prefix, '2');
    await m.waitFor(/┏━ 2 Model stack/);
    await m.press('o');
    await m.waitFor(/export: no trained model yet/);
    assert.equal(calls.length, 0);

    await m.press(KEYS.alt('t'));
    await m.waitFor(/training 0\//);
    for (let i = 0; i < 3; i++) s.nextEpoch();
    await m.waitFor(/· trained/);
    const dir = m.store.get().model!.dir;
    await m.press('o');
    await m.waitFor(/exported onnx to/, 5000);
    assert.deepEqual(calls[0], [dir, 'onnx', `${dir}-onnx`]);
    assert.match(stripAnsi(m.frame()).split('\n').at(-1)!, /exported onnx to .*-onnx\/model\.onnx/, 'the status bar says where');

    await m.press(KEYS.alt('d'), 'export tfjs /tmp/petlab-tui-export', KEYS.enter);
    await m.waitFor(/exported tfjs to/, 5000);
    assert.deepEqual(calls[1], [dir, 'tfjs', '/tmp/petlab-tui-export']);
    await m.press(KEYS.alt('d'), 'export savedmodel', KEYS.enter);
    await m.waitFor(/export: unknown format "savedmodel"/);
    assert.equal(calls.length, 2);
  },
);
