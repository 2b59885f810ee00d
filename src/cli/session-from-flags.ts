import { parseBackend } from '../core/backend/names.js';
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
    workers: int(ctx, 'workers', ctx.settings.workers, 1, 16),
    cacheDir: cacheDir(ctx),
    mirror: ctx.settings.mirror || undefined,
    resize: extra.resize ?? ctx.settings.resize,
    embedBatchSize: int(ctx, 'embed-batch', ctx.settings.embedBatchSize, 1, 256),
    onEvent: ctx.reporter.event,
  });
}

/**
 * Stop on the first Ctrl-C: the run stops at its next step, and if that takes more than 1.5 s the
 * process exits anyway (checkpoints are written atomically, so the last one is intact either way).
 * A second Ctrl-C exits at once.
 */
export function stopOnSigint(session: Session, onFirst: () => void, graceMs = 1500): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      onFirst();
      session.stop();
      setTimeout(() => {
        process.stderr.write('petlab: interrupted; the last checkpoint is kept\n');
        process.exit(130);
      }, graceMs).unref();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
