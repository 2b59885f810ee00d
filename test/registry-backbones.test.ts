import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseTflite } from '../src/core/backbones/tflite/schema.js';
import { ensureBackboneFiles } from '../src/core/download/backbone-files.js';
import { isPetlabError } from '../src/core/errors.js';
import { BACKBONES_FILE, defaultBackboneName, getBackboneEntry, listBackbones, loadBackboneRegistry, preprocessOf } from '../src/core/registry/backbones.js';
import { SHARED, skipUnless, tempDir } from './helpers/shared.js';

/** Where ../shared keeps each registry entry's bytes (the same files users download). */
const SHARED_FOLDER: Record<string, string> = {
  mobilenet_v2: 'mobilenet_v2_1.0_224_quant',
  mobilenet_v2_keras_ptq: 'tf2_mobilenet_v2_1.0_224_ptq',
  mobilenet_v1_075_192: 'mobilenet_v1_0.75_192_quant',
  darknet_tiny: 'darknet-tiny',
};
const sharedFile = (name: string, file: string) => path.join(SHARED, 'models', SHARED_FOLDER[name], file);

describe('backbone registry', () => {
  const entries = loadBackboneRegistry();

  it('lists the four backbones, mobilenet_v2 first and default', () => {
    assert.deepEqual(
      entries.map((e) => e.name),
      ['mobilenet_v2', 'mobilenet_v2_keras_ptq', 'mobilenet_v1_075_192', 'darknet_tiny'],
    );
    assert.equal(defaultBackboneName(), 'mobilenet_v2');
  });

  it(
    "every file's sha256 and size match the bytes in ../shared/models",
    { skip: skipUnless('mobilenet-v2-tflite', 'mobilenet-v2-ptq-tflite', 'mobilenet-v1-tflite', 'imagenet-labels', 'darknet-tiny', 'darknet-labels') },
    () => {
      for (const e of entries) {
        for (const f of e.files) {
          const bytes = readFileSync(sharedFile(e.name, f.path));
          assert.equal(bytes.length, f.size, `${e.name}/${f.path} size`);
          assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${e.name}/${f.path} sha256`);
        }
      }
    },
  );

  it('every download URL is pinned to the declared repository commit and folder', () => {
    for (const e of entries) {
      const base = `https://raw.githubusercontent.com/${e.origin.repo}/${e.origin.commit}/${e.origin.folder ? `${e.origin.folder}/` : ''}`;
      for (const f of e.files) {
        if (f.url) assert.equal(f.url, base + f.path, `${e.name}/${f.path}`);
        else assert.ok(f.optional, `${e.name}/${f.path} has no URL, so it must be optional`);
      }
    }
  });

  it(
    'tflite entries declare what the files say: input size, input range, embedding tensor',
    { skip: skipUnless('mobilenet-v2-tflite', 'mobilenet-v2-ptq-tflite', 'mobilenet-v1-tflite', 'imagenet-labels') },
    () => {
      for (const e of entries.filter((x) => x.format === 'tflite')) {
        const m = parseTflite(readFileSync(sharedFile(e.name, e.model)));
        const input = m.subgraph.tensors[m.subgraph.inputs[0]];
        assert.deepEqual(input.shape, [1, ...e.inputSize, 3], e.name);
        const q = input.quantization!;
        const lo = (0 - q.zeroPoint[0]) * q.scale[0];
        const hi = (255 - q.zeroPoint[0]) * q.scale[0];
        assert.ok(Math.abs(lo - e.inputRange[0]) < 0.01 && Math.abs(hi - e.inputRange[1]) < 0.01, `${e.name}: file says [${lo}, ${hi}]`);
        const emb = m.subgraph.tensors.find((t) => t.name === e.embedding.layer);
        assert.ok(emb, `${e.name}: no tensor named ${e.embedding.layer}`);
        assert.equal(e.embedding.pool, 'none');
        assert.deepEqual(emb.shape, [1, 1, 1, e.embedding.dim], e.name);
        const labels = readFileSync(sharedFile(e.name, e.labels!.file), 'utf8').trimEnd().split('\n');
        assert.equal(labels.length, e.labels!.count);
        assert.equal(m.subgraph.tensors[m.subgraph.outputs[0]].shape.at(-1), e.labels!.count);
      }
    },
  );

  it('darknet_tiny declares what its model.json says: shards, input, embedding layer to average', { skip: skipUnless('darknet-tiny') }, () => {
    const e = getBackboneEntry('darknet_tiny');
    const model = JSON.parse(readFileSync(sharedFile(e.name, 'model.json'), 'utf8'));
    const shards = (model.weightsManifest as Array<{ paths: string[] }>).flatMap((g) => g.paths);
    assert.deepEqual(
      e.files
        .filter((f) => f.path.startsWith('group'))
        .map((f) => f.path)
        .sort(),
      [...shards].sort(),
    );
    type Layer = { name: string; class_name: string; config: { batch_input_shape?: number[]; filters?: number }; inbound_nodes: Array<Array<[string]>> };
    const layers = model.modelTopology.model_config.config.layers as Layer[];
    const byName = new Map(layers.map((l) => [l.name, l]));
    assert.deepEqual(layers[0].config.batch_input_shape, [null, ...e.inputSize, 3]);
    const emb = byName.get(e.embedding.layer)!;
    assert.equal(emb.class_name, 'LeakyReLU');
    assert.equal(e.embedding.pool, 'avg');
    // its channels: the filters of the conv feeding it (through batch norm)
    let l = emb;
    while (l.class_name !== 'Conv2D') l = byName.get(l.inbound_nodes[0][0][0])!;
    assert.equal(l.config.filters, e.embedding.dim);
    assert.deepEqual(e.inputRange, [0, 1]);
    assert.deepEqual(preprocessOf(e), { scale: 1 / 255, offset: 0 });
  });

  it('listBackbones marks cached and not cached correctly, with sizes and cache paths', { skip: skipUnless('mobilenet-v1-tflite') }, async () => {
    const cacheDir = tempDir('petlab-reg-');
    let rows = listBackbones(cacheDir);
    assert.equal(rows.length, entries.length);
    assert.ok(rows.every((r) => !r.cached));
    const mirror = path.join(cacheDir, '..', `${path.basename(cacheDir)}-mirror`);
    await fs.mkdir(path.join(mirror, 'backbones'), { recursive: true });
    await fs.symlink(path.join(SHARED, 'models', SHARED_FOLDER.mobilenet_v1_075_192), path.join(mirror, 'backbones', 'mobilenet_v1_075_192'));
    try {
      await ensureBackboneFiles('mobilenet_v1_075_192', { cacheDir, mirror });
    } finally {
      await fs.rm(mirror, { recursive: true, force: true });
    }
    rows = listBackbones(cacheDir);
    const v1 = rows.find((r) => r.name === 'mobilenet_v1_075_192')!;
    assert.equal(v1.cached, true);
    assert.equal(v1.path, path.join(cacheDir, 'backbones', 'mobilenet_v1_075_192'));
    assert.equal(v1.sizeBytes, readFileSync(sharedFile('mobilenet_v1_075_192', 'mobilenet_v1_0.75_192_quant.tflite')).length);
    assert.deepEqual(
      rows.filter((r) => r.cached).map((r) => r.name),
      ['mobilenet_v1_075_192'],
    );
    // a truncated file is not "cached"
    await fs.truncate(path.join(v1.path, 'mobilenet_v1_0.75_192_quant.tflite'), 1000);
    assert.equal(listBackbones(cacheDir).find((r) => r.name === 'mobilenet_v1_075_192')!.cached, false);
  });

  it('a broken entry stops with a message naming the file, the entry and the field', async () => {
    const dir = tempDir('petlab-reg-bad-');
    const cases: Array<[string, (reg: { backbones: Array<Record<string, unknown>> }) => void, RegExp]> = [
      [
        'sha',
        (r) => ((r.backbones[1].files as Array<Record<string, unknown>>)[0].sha256 = 'abc'),
        /backbone 'mobilenet_v2_keras_ptq': files\[0\]\.sha256 must be 64 lowercase hex digits/,
      ],
      ['format', (r) => (r.backbones[0].format = 'onnx'), /backbone 'mobilenet_v2': format must be one of tflite, tfjs-layers/],
      ['model', (r) => (r.backbones[3].model = 'missing.json'), /backbone 'darknet_tiny': model must name a required file/],
      [
        'url',
        (r) => delete (r.backbones[2].files as Array<Record<string, unknown>>)[0].url,
        /backbone 'mobilenet_v1_075_192': files \(mobilenet_v1_0\.75_192_quant\.tflite\) needs a url unless it is optional/,
      ],
      ['path', (r) => ((r.backbones[0].files as Array<Record<string, unknown>>)[0].path = '../x.tflite'), /files\[0\]\.path must be a plain relative path/],
    ];
    for (const [label, mutate, pattern] of cases) {
      const reg = JSON.parse(readFileSync(BACKBONES_FILE, 'utf8'));
      mutate(reg);
      const file = path.join(dir, `${label}.json`);
      await fs.writeFile(file, JSON.stringify(reg));
      assert.throws(
        () => loadBackboneRegistry(file),
        (e: unknown) => isPetlabError(e) && pattern.test(e.message) && e.message.startsWith(`${label}.json: `) && !!e.hint?.includes(file),
        label,
      );
    }
    await fs.writeFile(path.join(dir, 'not-json.json'), '{ "backbones": [ ');
    assert.throws(
      () => loadBackboneRegistry(path.join(dir, 'not-json.json')),
      (e: unknown) => isPetlabError(e) && /is not valid JSON/.test(e.message),
    );
  });

  it('an unknown name is a usage error listing the known ones', () => {
    assert.throws(
      () => getBackboneEntry('resnet50'),
      (e: unknown) => isPetlabError(e) && e.kind === 'usage' && e.message.includes("'resnet50'") && !!e.hint?.includes('mobilenet_v2, mobilenet_v2_keras_ptq'),
    );
  });
});
