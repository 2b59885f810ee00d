/**
 * Fold one core event into the workbench state (pure). The core speaks one language for both front
 * ends (src/core/events.ts): here it becomes the Training log's lines, bars and curves.
 */
import type { PetlabEvent } from '../../core/events.js';
import { onnxRuntimeNote } from '../../core/backend/names.js';
import { MAX_LOG_LINES, type LogLine, type WorkbenchState } from './types.js';

export function appendLog(log: LogLine[], line: LogLine): LogLine[] {
  const next = log.length >= MAX_LOG_LINES ? log.slice(log.length - MAX_LOG_LINES + 1) : log.slice();
  next.push(line);
  return next;
}

export function applyEvent(s: WorkbenchState, e: PetlabEvent): WorkbenchState {
  switch (e.type) {
    case 'backend':
      return {
        ...s,
        tf: { ...s.tf, backend: e.backend, workers: e.workers, workerBackends: e.workerBackends, reason: e.reason },
        log: appendLog(s.log, { level: 'info', text: `backend: ${e.reason}${onnxRuntimeNote(e)}` }),
      };
    case 'phase': {
      // a new phase ends the previous progress bar
      const next: WorkbenchState = {
        ...s,
        phase: { phase: e.phase, message: e.message },
        progress: undefined,
        log: appendLog(s.log, { level: 'phase', text: e.message }),
      };
      if (e.phase === 'train' && e.epochs !== undefined) next.epochsPlanned = e.epochs;
      return next;
    }
    case 'progress':
      return { ...s, progress: e };
    case 'warning':
      return { ...s, log: appendLog(s.log, { level: 'warn', text: e.message }) };
    case 'info':
      return { ...s, log: appendLog(s.log, { level: 'info', text: e.message }) };
    case 'epoch':
      return { ...s, epochs: [...s.epochs, e], epochsPlanned: e.epochs, batch: undefined };
    case 'batch':
      return { ...s, batch: { epoch: e.epoch, batch: e.batch, batches: e.batches, loss: e.loss } };
    case 'checkpoint':
      return s;
  }
}
