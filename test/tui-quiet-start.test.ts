/**
 * Issue 12 (start-up): TensorFlow starts once the keys typed after the first frame are answered
 * (src/tui/quiet-start.ts): each key pushes the start back, never past the latest time.
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { quietStart } from '../src/tui/quiet-start.js';

/** Timers on a clock the test moves. */
function clock(t: { after(fn: () => void): void }) {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  let ms = 0;
  return { now: () => ms, tick: (d: number) => ((ms += d), mock.timers.tick(d)) };
}

test('starts after a quiet moment; a key pushes it back', (t) => {
  const c = clock(t);
  let at: number | undefined;
  const q = quietStart(() => (at = c.now()), { quietMs: 300, latestMs: 1500, now: c.now });
  q.arm();
  c.tick(200);
  q.poke(); // a key at 200 ms: not before 500
  c.tick(200);
  assert.equal(at, undefined, 'not while keys come');
  c.tick(100);
  assert.equal(at, 500);
  assert.ok(q.started());
});

test('keys without a pause still get it started at the latest time, once', (t) => {
  const c = clock(t);
  const starts: number[] = [];
  const q = quietStart(() => starts.push(c.now()), { quietMs: 300, latestMs: 1500, now: c.now });
  q.arm();
  for (let i = 0; i < 100; i++) {
    q.poke();
    c.tick(50);
  }
  assert.deepEqual(starts, [1500]);
});

test('cancelled (quit before it started): never starts', (t) => {
  const c = clock(t);
  let runs = 0;
  const q = quietStart(() => (runs += 1), { quietMs: 300, latestMs: 1500, now: c.now });
  q.arm();
  q.cancel();
  c.tick(2000);
  assert.equal(runs, 0);
});
