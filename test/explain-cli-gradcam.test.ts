import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { isolatedEnv, runPetlab } from './helpers/cli.js';
import { MOBILENET_V2_TFJS, tempDir, skipUnless } from './helpers/shared.js';
import { CAT, DOG, quadrantCanvas } from './helpers/explain-support.js';

/** Real data these tests need; without it they are skipped, naming it (see helpers/test-data.ts). */
const NEEDS = skipUnless('mobilenet-v2-tfjs', 'imagenet-labels', 'sample-photos');

const env = isolatedEnv();
const work = tempDir('petlab-explain-cli-');
const BB = ['--backbone', MOBILENET_V2_TFJS, '--workers', '1'];
const result = (r: { events: Array<Record<string, unknown>> }) => r.events.at(-1) as Record<string, any>;

test('petlab explain: the map for a named class sits on that animal, and the overlay PNG is the picture', { skip: NEEDS }, async () => {
  const canvas = path.join(work, 'cat-and-dog.png');
  writeFileSync(
    canvas,
    await quadrantCanvas([
      { file: CAT, at: [0, 0] },
      { file: DOG, at: [1, 1] },
    ]),
  );
  const out = path.join(work, 'cam.png');
  const r = await runPetlab(['explain', ...BB, canvas, '--class', 'Samoyed', '--out', out, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const res = result(r);
  assert.equal(res.target, 'pretrained');
  assert.equal(res.class.name, 'Samoyed, Samoyede');
  assert.equal(res.layer, 'MobilenetV2_Conv_1_Relu6');
  assert.ok(res.cam.centre.x > 0.5 && res.cam.centre.y > 0.5, `centre ${JSON.stringify(res.cam.centre)} in the dog's quadrant`);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 512, 512]);

  const cat = await runPetlab(['explain', ...BB, canvas, '--class', 'Egyptian cat', '--out', path.join(work, 'cam-cat.png')], { env });
  assert.equal(cat.code, 0, cat.stderr);
  assert.match(cat.stdout, /Grad-CAM for "Egyptian cat" .* centred at (\d|[1-4]\d)% across, (\d|[1-4]\d)% down/);
});

test('Grad-CAM at an earlier layer gives the same map on the cpu and wasm backends', { skip: NEEDS }, async () => {
  const args = ['explain', ...BB, CAT, '--layer', 'MobilenetV2_expanded_conv_16_expand', '--json'];
  const [wasm, cpu] = [await runPetlab([...args, '--backend', 'wasm'], { env }), await runPetlab([...args, '--backend', 'cpu'], { env })];
  assert.equal(wasm.code, 0, wasm.stderr);
  assert.equal(cpu.code, 0, cpu.stderr);
  const a = result(wasm).cam.values as number[];
  const b = result(cpu).cam.values as number[];
  assert.equal(result(wasm).class.index, result(cpu).class.index);
  assert.equal(a.length, 49);
  assert.ok(Math.max(...a) === 1 && a.some((v) => v < 0.5), 'a map with structure');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 2e-3, `cell ${i}: wasm ${a[i]} cpu ${b[i]}`);
});
