/** The workbench's state as events arrive from core: what the status bar and the log pane read. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvent } from '../src/tui/state/apply-event.js';
import { initialState, runStateLabel } from '../src/tui/state/types.js';
import type { PetlabEvent } from '../src/core/events.js';

test('a training phase plans its epochs from the event, whatever its message says', () => {
  const e = { type: 'phase', phase: 'train', message: 'Kopf wird trainiert (sieben Durchläufe)', epochs: 7 } as PetlabEvent;
  const s = applyEvent({ ...initialState('fakenet'), task: { kind: 'train', stopping: false, startedAt: 0 } }, e);
  assert.equal(s.epochsPlanned, 7);
  assert.equal(runStateLabel(s), 'training 0/7');
});
