/**
 * First run offline (issue 11, item 11): "Download Oxford-IIIT Pet" in the Dataset pane with no
 * network. The pane itself says all of it — the address tried, where the files go, that
 * PETLAB_MIRROR can point at a mirror, and what to do next — and offers a retry, not the same
 * Download as if nothing happened. The registry's archives point at a refused 127.0.0.1 port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getDataset } from '../src/core/download/datasets.js';
import { DATASETS_FILE } from '../src/core/registry/datasets.js';
import { leaf, makeLayout } from '../src/tui/layout/tree.js';
import { downloadFailedRows, wrapText } from '../src/tui/panes/download-failed.js';
import { closedPort } from './helpers/file-server.js';
import { tempDir } from './helpers/shared.js';
import { KEYS, mount, stripAnsi } from './helpers/tui.js';

/** The pane's text, its lines joined (a long address wraps across lines): borders and spaces removed. */
const squeezed = (frame: string) =>
  stripAnsi(frame)
    .split('\n')
    .map((l) => l.replace(/^[┃│]|[┃│]$/g, ''))
    .join('')
    .replace(/\s+/g, '');

test('offline first run: the failed download is told in full in the Dataset pane, with the way on; enter retries', { timeout: 60_000 }, async (t) => {
  const saved = process.env.PETLAB_MIRROR;
  delete process.env.PETLAB_MIRROR;
  t.after(() => (saved === undefined ? undefined : void (process.env.PETLAB_MIRROR = saved)));
  const port = await closedPort();
  const work = tempDir('petlab-offline-');
  const registryFile = path.join(work, 'datasets.json');
  writeFileSync(registryFile, readFileSync(DATASETS_FILE, 'utf8').replace(/"url":\s*"https?:\/\/[^"]*\/([^"/]+)"/g, `"url": "http://127.0.0.1:${port}/$1"`));
  const cacheDir = path.join(work, 'cache');
  let tries = 0;
  // what the pane held when each download began
  const shownAtStart: Array<unknown> = [];
  const m = mount({
    cacheDir,
    columns: 100,
    rows: 40,
    layout: makeLayout(leaf(1, 'dataset')),
    settings: { mirror: '', dataset: 'oxford-pets' },
    deps: {
      getDataset: (name, o) => {
        tries++;
        shownAtStart.push(m.store.get().dataset.downloadError);
        return getDataset(name, { ...o, registryFile, retries: 1 });
      },
    },
  });
  t.after(m.unmount);
  await m.waitFor(/Download Oxford-IIIT Pet/, 10_000);
  await m.press(KEYS.enter);
  const f = await m.waitFor(/The download failed/, 30_000);
  const text = squeezed(f);
  const url = `http://127.0.0.1:${port}/images.tar.gz`;
  assert.ok(text.includes(`cannotdownload${url}`), `the address tried:\n${stripAnsi(f)}`);
  assert.ok(text.includes(path.join(cacheDir, 'datasets', 'oxford-pets', 'images.tar.gz')), `where the file goes:\n${stripAnsi(f)}`);
  assert.ok(text.includes('PETLAB_MIRROR=DIR_OR_URL'), 'a mirror');
  assert.ok(text.includes('petlab--dataDIR'), 'own pictures');
  assert.match(stripAnsi(f), /What now:/);
  assert.match(stripAnsi(f), /Retry the download of Oxford-IIIT Pet/, 'a retry, not the same offer as before');
  assert.doesNotMatch(stripAnsi(f), /▶? ?Download Oxford-IIIT Pet/);

  // enter retries: the message goes while it runs, and comes back when it fails again
  await m.press(KEYS.enter);
  await m.waitFor((fr) => tries === 2 && !m.store.get().task && /The download failed/.test(fr), 30_000);
  assert.equal(shownAtStart[1], undefined, 'the old failure is not shown while the retry runs');
  assert.equal(m.store.get().dataset.status, 'missing');
});

test('the failure text is wrapped by the pane (long addresses cut across rows), and cut to its height with a way to see the rest', () => {
  const rows = wrapText('cannot download https://example.org/a/very/long/path/images.tar.gz: refused', 20);
  assert.ok(
    rows.every((r) => r.length <= 20),
    rows.join('\n'),
  );
  assert.equal(rows.join('').replace(/\s+/g, ''), 'cannotdownloadhttps://example.org/a/very/long/path/images.tar.gz:refused');
  const err = {
    message: 'cannot download http://127.0.0.1:9/images.tar.gz: connection refused',
    hint: 'put the file at /c/datasets/oxford-pets/images.tar.gz by hand',
    cacheDir: '/c/datasets/oxford-pets',
  };
  const all = downloadFailedRows(err, 60, 100);
  assert.ok(all.length > 8 && all.every((r) => r.text.length <= 60));
  const cut = downloadFailedRows(err, 60, 6);
  assert.equal(cut.length, 6);
  assert.match(
    cut
      .slice(0, 2)
      .map((r) => r.text)
      .join(' '),
    /^The download failed: cannot download http:\/\/127\.0\.0\.1:9/,
  );
  assert.match(cut.at(-1)!.text, new RegExp(`^… ${all.length - 5} more rows: ctrl-f z zooms the pane`));
});
