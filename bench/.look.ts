import { Tmux } from '../test/helpers/tmux.js';
import { screenToPng } from './ansi-png.js';
const t = new Tmux();
try {
  t.start(80, 24, { PETLAB_CACHE_DIR: '/tmp/pl-try/cache', PETLAB_CONFIG_DIR: '/tmp/pl-try/config', NODE_OPTIONS: '' }, 'cd /tmp/pl-try && exec node /work/main/bin/petlab.js --data /tmp/pl-try/data --backbone /work/shared/models/mobilenet_v2_1.0_224_quant/tfjs-reference');
  await t.waitFor((s) => /· idle\s*$/.test(s.trimEnd().split('\n').at(-1) ?? ''), 90_000, 100);
  t.keys(['M-t']);
  await t.waitFor((s) => /trained/.test(s.trimEnd().split('\n').at(-1) ?? ''), 90_000, 100);
  t.keys(['Enter']);
  await new Promise((r) => setTimeout(r, 800));
  t.keys(['M-p']);
  await t.waitFor((s) => /true label/.test(s), 30_000, 100);
  await new Promise((r) => setTimeout(r, 500));
  console.log(await screenToPng(t.capture(true), 80, '/tmp/pl-try/look-80.png'));
  console.log(t.capture());
  t.resize(200, 60);
  await new Promise((r) => setTimeout(r, 1500));
  console.log(await screenToPng(t.capture(true), 200, '/tmp/pl-try/look-200.png'));
  t.keys(['C-f', 'z']);
  await new Promise((r) => setTimeout(r, 800));
  t.resize(80, 24);
  await new Promise((r) => setTimeout(r, 800));
  t.keys(['?']);
  await new Promise((r) => setTimeout(r, 800));
  console.log(t.capture());
} finally {
  t.kill();
}
