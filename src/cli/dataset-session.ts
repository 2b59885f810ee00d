import { resolveBackbone } from '../core/backbones/resolve.js';
import { scanDataset } from '../core/data/scan.js';
import type { Dataset } from '../core/data/types.js';
import type { Session } from '../core/session.js';
import { int, str, type CommandContext, type OptionSpec } from './command.js';
import { resolveDataArg } from './data-arg.js';
import { cacheDir, openSession, resizeMode, stopOnSigint } from './session-from-flags.js';

// The options of the commands over a dataset and a backbone (review, lr-find, pairs train, similar),
// each with the wording most of them use; a command may say more of its own.
export const dataOption = (description = 'dataset folder'): OptionSpec => ({ type: 'string', arg: 'DIR', description });
export const backboneOption = (description = 'backbone (default: mobilenet_v2)'): OptionSpec => ({ type: 'string', arg: 'NAME|PATH', description });
export const seedOption = (description = 'seed (default 42)'): OptionSpec => ({ type: 'string', arg: 'N', description });
export const resizeOption = (description = 'cover, fill or crop (default cover)'): OptionSpec => ({ type: 'string', arg: 'MODE', description });

/** How those commands split the dataset: the settings' validation fraction, and --seed (default the settings'). */
export function datasetSplit(ctx: CommandContext): { valFraction: number; seed: number } {
  return { valFraction: ctx.settings.valSplit, seed: int(ctx, 'seed', ctx.settings.seed, 0) };
}

/**
 * The opening of those commands: --data scanned, --backbone resolved (a download, a conversion)
 * before TensorFlow starts, then a session with it loaded, which the first Ctrl-C stops. The
 * session is closed after fn, however it ends.
 */
export async function withDatasetSession<T>(
  ctx: CommandContext,
  scan: { valFraction: number; seed: number },
  fn: (session: Session, ds: Dataset) => Promise<T>,
): Promise<T> {
  const r = ctx.reporter;
  const ds = await scanDataset(await resolveDataArg(ctx), { ...scan, onEvent: r.event });
  const ref = str(ctx, 'backbone') ?? ctx.settings.backbone;
  const source = await resolveBackbone(ref, { cacheDir: cacheDir(ctx), mirror: ctx.settings.mirror || undefined, onEvent: r.event });
  const session = await openSession(ctx, { resize: resizeMode(ctx) });
  const unhook = stopOnSigint(session, () => r.note('\nstopping…'));
  try {
    await session.loadBackboneSource(ref, source);
    return await fn(session, ds);
  } finally {
    unhook();
    await session.close();
  }
}

/** A session (no backbone yet: a saved model brings its own) for fn, closed after it. */
export async function withSession<T>(ctx: CommandContext, fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(ctx);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
