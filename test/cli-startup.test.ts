import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

// Every `petlab` run loads the CLI's command table; TensorFlow.js alone is ~0.5 s of CPU to load, which
// a config or help command (and every test that runs one) paid for nothing. The commands that need it
// get it in their workers.
test('the CLI loads its commands without TensorFlow.js', async () => {
  await import('../src/cli/run-cli.js');
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /@tensorflow[\\/]/.test(f));
  assert.deepEqual(loaded, [], 'no @tensorflow module is loaded by the command table');
});
