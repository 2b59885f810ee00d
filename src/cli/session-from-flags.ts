import { parseBackend, parseInference } from '../core/backend/names.js';
import { UsageError } from '../core/errors.js';
import { Session } from '../core/session.js';
import { RESIZE_MODES, type ResizeMode } from '../core/backbones/spec.js';
import { int, str, type CommandContext } from './command.js';

export function resizeMode(ctx: CommandContext): ResizeMode {
  const r = (str(ctx, 'resize') ?? ctx.settings.resize) as ResizeMode;
  if (!RESIZE_MODES.includes(r)) throw new UsageError(`--resize must be one of ${RESIZE_MODES.join(', ')}, got "${r}"`);
  return r;
}

export function cacheDir(ctx: CommandContext): string {
  return str(ctx, 'cache-dir') ?? ctx.settings.cacheDir;
}

export function openSession(ctx: CommandContext, extra: { resize?: ResizeMode } = {}): Promise<Session> {
  return Session.open({
    backend: parseBackend(str(ctx, 'backend') ?? ctx.settings.backend),
    inference: parseInference(str(ctx, 'inference') ?? ctx.settings.inference),
    workers: int(ctx, 'workers', ctx.settings.workers, 1, 16),
    cacheDir: cacheDir(ctx),
    mirror: ctx.settings.mirror || undefined,
    resize: extra.resize ?? ctx.settings.resize,
    embedBatchSize: int(ctx, 'embed-batch', ctx.settings.embedBatchSize, 1, 256),
    onEvent: ctx.reporter.event,
  });
}

/**
 * Ctrl-C handling shared by the commands: `first` on the first one, `again` on a second one. A
 * SIGINT within 300 ms of the first is not a second press: conf's exit hook (when-exit) re-raises
 * the signal to the process at once, which used to make every Ctrl-C an immediate exit.
 */
export function onCtrlC(first: () => void, again: () => void): () => void {
  let at = 0;
  const handler = () => {
    if (!at) {
      at = Date.now();
      first();
    } else if (Date.now() - at > 300) again();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/**
 * Stop on the first Ctrl-C: the run stops at its next step, and if that takes more than 1.5 s the
 * process exits anyway (checkpoints are written atomically, so the last one is intact either way).
 * A second Ctrl-C exits at once.
 */
export function stopOnSigint(session: Session, onFirst: () => void, graceMs = 1500): () => void {
  return onCtrlC(
    () => {
      onFirst();
      session.stop();
      setTimeout(() => {
        process.stderr.write('petlab: interrupted; the last checkpoint is kept\n');
        process.exit(130);
      }, graceMs).unref();
    },
    () => process.exit(130),
  );
}
