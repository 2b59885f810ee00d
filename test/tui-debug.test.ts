import { test } from 'node:test';
import { mount, smallDataset, stripAnsi } from './helpers/tui.js';
test('dbg', async (t) => {
  const m = mount({ data: smallDataset(), columns: 200, rows: 40 });
  t.after(m.unmount);
  await m.ready();
  m.store.update((s) => ({ ...s, epochs: Array.from({ length: 20 }, (_, i) => ({ type: 'epoch', phase: 'train', epoch: i + 1, epochs: 20, loss: 1 / (i + 1), acc: 0.5 + i / 40, valLoss: 1.1 / (i + 1), valAcc: 0.5 + i / 41, lr: 0.001, seconds: 0.01 })) as never }));
  await m.press('\x06', '3');
  await new Promise((r) => setTimeout(r, 300));
  const lines = stripAnsi(m.frame()).split('\n');
  console.log(JSON.stringify(m.frame().split('\n')[2]));
});
