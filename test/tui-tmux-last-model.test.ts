/**
 * A real terminal, real weights (issue 11, item 7): alt+t says where the model goes and saves it
 * in petlab's data folder (PETLAB_DATA_DIR here), not the current folder; q, then the same
 * `petlab --data D --backbone B` opens that model again and says so, instead of "No trained
 * model yet". The Model stack's legend is on screen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATS_DOGS, MOBILENET_V2_TFJS, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, linkDataset, PETLAB_BIN } from './helpers/cli.js';
import { hasTmux, Tmux } from './helpers/tmux.js';

const statusLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';
/** The screen's text with line breaks and box borders gone (a long path wraps or is cut). */
const flat = (screen: string) => screen.replace(/[│┃┌┐└┘┏┓┗┛─━]/g, '').replace(/\s+/g, '');

test(
  'tmux: the model alt+t saved is in the data folder and reopens on the next start, said in the log',
  {
    skip: hasTmux() ? skipUnless('cats-dogs', 'mobilenet-v2-tfjs') : 'tmux is not installed: the terminal test needs it (apt-get install tmux)',
    timeout: 240_000,
  },
  async (t) => {
    const pick = (c: string) =>
      readdirSync(path.join(CATS_DOGS, c))
        .sort()
        .slice(0, 12)
        .map((f) => `${c}/${f}`);
    const data = linkDataset(CATS_DOGS, { cats: pick('cats'), dogs: pick('dogs') });
    const env = isolatedEnv();
    writeFileSync(path.join(env.PETLAB_CONFIG_DIR, 'config.json'), JSON.stringify({ epochs: 3 }));
    const cwd = tempDir();
    const tmux = new Tmux(`petlab-h11b-last-${process.pid}`);
    t.after(() => tmux.kill());
    tmux.start(140, 44, { ...env, NODE_OPTIONS: '', PS1: '$ ' });
    tmux.keys([`cd ${cwd} && clear`, 'Enter']);
    const start = () => tmux.keys([`node ${PETLAB_BIN} --data ${data} --backbone ${MOBILENET_V2_TFJS}`, 'Enter']);
    start();
    let { screen } = await tmux.waitFor((s) => /· idle\s*$/.test(statusLine(s)) && /head_logits/.test(s), 120_000);
    assert.match(screen, /No trained model yet/);
    assert.match(screen, /trainable: alt\+t .*frozen.*ft/, 'the Model stack legend');
    assert.match(screen, /frozen ft/, 'the layers fine-tuning would train');

    tmux.keys(['M-t']);
    ({ screen } = await tmux.waitFor((s) => /trained \(val/.test(statusLine(s)), 150_000));
    const out = path.join(env.PETLAB_DATA_DIR, 'models', `${path.basename(data)}-tfjs-reference`);
    assert.ok(existsSync(path.join(out, 'petlab.json')), `saved in the data folder: ${readdirSync(path.join(env.PETLAB_DATA_DIR, 'models')).join(', ')}`);
    assert.deepEqual(readdirSync(cwd), [], 'nothing written to the current folder');
    assert.ok(flat(screen).includes(flat(`to ${out}`).slice(0, 48)), `where it goes is said:\n${screen}`);

    tmux.keys(['q']);
    await tmux.waitFor((s) => /[$#]$/.test(s.trimEnd()) && !/Dataset/.test(s), 15_000);
    start();
    ({ screen } = await tmux.waitFor((s) => /loaded last model for/.test(s) && /trained \(val/.test(statusLine(s)), 120_000));
    assert.doesNotMatch(screen, /No trained model yet/);
    assert.match(screen, /No prediction yet/);
    tmux.keys(['q']);
  },
);
