/**
 * A model folder while another petlab process is still training into it: predict, eval and the
 * workbench say the run is in progress (its PID, its last checkpoint), not that it stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/shared.js';
import { lockFileFor } from '../src/core/io/output-dir.js';
import { modelFolderState } from '../src/core/model/run-folder.js';

function writeModel(dir: string, meta: Record<string, unknown>, state?: Record<string, unknown>): void {
  mkdirSync(path.join(dir, 'state'), { recursive: true });
  writeFileSync(path.join(dir, 'petlab.json'), JSON.stringify({ format: 'petlab-model', classes: ['a'], backbone: {}, ...meta }));
  writeFileSync(path.join(dir, 'state', 'state.json'), JSON.stringify(state ?? {}));
}

test('core: a run still going (its lock held by a live process) is in progress, not stopped; once that process is gone, it is stopped', async () => {
  const parent = tempDir();
  const out = path.join(parent, 'm');
  writeModel(out, { complete: true, training: { epochs: 5 } });
  writeModel(path.join(parent, '.m.in-progress'), { complete: false, training: { epochs: 5 } }, { phase: 'train', epoch: 2 });
  const stoppedNote = (await modelFolderState(out)).notes[0];
  assert.match(stoppedNote, /stopped at epoch 2 of 5 .*--resume` finishes it/);

  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    writeFileSync(lockFileFor(out), `${other.pid}\n`);
    const [note] = (await modelFolderState(out)).notes;
    assert.equal(
      note,
      `note: a re-train of ${out} is in progress (PID ${other.pid}, last checkpoint: epoch 2 of 5) (.m.in-progress); ${out} is unchanged until it finishes`,
    );
    assert.equal((await modelFolderState(out)).beside?.running, other.pid);

    // a fresh run trains in the folder itself: its checkpoint is that run's, still going
    const fresh = path.join(parent, 'f');
    writeModel(fresh, { complete: false, training: { epochs: 5 } }, { phase: 'train', epoch: 1 });
    writeFileSync(lockFileFor(fresh), `${other.pid}\n`);
    assert.deepEqual((await modelFolderState(fresh)).notes, [
      `note: ${fresh} is a run in progress (PID ${other.pid}); this is its last checkpoint (epoch 1 of 5)`,
    ]);
  } finally {
    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
  }
  // the lock's process is dead: the run stopped, and --resume finishes it
  assert.equal((await modelFolderState(out)).notes[0], stoppedNote);
});
