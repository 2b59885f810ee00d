/**
 * The Model stack says what each key trains (issue 11, item 8): alt+t trains only the head, so
 * every backbone layer with weights is "frozen"; the unfreeze setting marks ("ft") the ones
 * fine-tuning (alt+f) would train too; a one-line legend in the pane says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leaf, makeLayout } from '../src/tui/layout/tree.js';
import { KEYS, mount, smallDataset, stripAnsi } from './helpers/tui.js';
import { skipUnless } from './helpers/shared.js';

const data = smallDataset();

/** The Model stack's row of a layer (the pane is the only one: its whole line). */
const row = (f: string, name: string) =>
  stripAnsi(f)
    .split('\n')
    .find((l) => l.includes(name)) ?? '';

test(
  'Model stack: backbone layers alt+t does not train say "frozen"; "ft" marks what fine-tuning would train; a legend explains both',
  { skip: skipUnless('cats-dogs') },
  async (t) => {
    const m = mount({ data, columns: 110, rows: 24, layout: makeLayout(leaf(1, 'model')) });
    t.after(m.unmount);
    let f = stripAnsi(await m.waitFor((fr) => /unfreeze 30%: .*top 2\/3 blocks/.test(stripAnsi(fr)) && /→ 2 classes/.test(stripAnsi(fr))));
    assert.match(row(f, 'head_logits'), /34 trainable/, 'the head is what alt+t trains');
    // the top two blocks would fine-tune; yet alt+t leaves them as they are
    for (const [name, params] of [
      ['block_2_conv', 272],
      ['block_1_project', 144],
      ['block_1_depthwise', 80],
    ] as const) {
      assert.match(row(f, name), new RegExp(`${params} frozen ft`), `${name}: frozen for alt+t, trained by alt+f`);
    }
    assert.match(row(f, 'conv_stem'), /224 frozen(?! ft)/);
    assert.doesNotMatch(
      f
        .split('\n')
        .filter((l) => /block_|conv_stem|pool|input_1/.test(l))
        .join('\n'),
      /trainable/,
      'no backbone layer is "trainable" for alt+t',
    );
    assert.match(f, /trainable: alt\+t trains it · frozen: alt\+t leaves it · ft: fine-tuning \(alt\+f\) trains it too/, 'the legend');

    // all: every weighted layer gets the mark; 0: none
    await m.press('+');
    f = stripAnsi(await m.waitFor(/unfreeze all: .*top 3\/3 blocks/));
    assert.match(row(f, 'conv_stem'), /224 frozen ft/);
    await m.press(KEYS.alt('d'), 'unfreeze 0', KEYS.enter);
    f = stripAnsi(await m.waitFor(/unfreeze 0: fine-tuning would train nothing/));
    assert.doesNotMatch(
      f
        .split('\n')
        .filter((l) => /block_|conv_stem/.test(l))
        .join('\n'),
      / ft/,
    );

    // a narrow pane keeps a shorter legend
    const narrow = mount({ data, columns: 60, rows: 24, layout: makeLayout(leaf(1, 'model')) });
    t.after(narrow.unmount);
    await narrow.waitFor(/unfreeze 30%/);
    assert.match(stripAnsi(narrow.frame()), /trainable: alt\+t trains · frozen: kept · ft: alt\+f trains/);
  },
);
