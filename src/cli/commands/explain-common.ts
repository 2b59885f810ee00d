import { promises as fs } from 'node:fs';
import path from 'node:path';
import { resolveBackbone } from '../../core/backbones/resolve.js';
import { PetlabError, UsageError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/io/atomic.js';
import { readSavedModelMeta } from '../../core/model/meta.js';
import { COLORMAPS, type ColormapName } from '../../core/explain/colormap.js';
import type { Session } from '../../core/session.js';
import { SESSION_OPTIONS, str, type CommandContext, type OptionSpec } from '../command.js';
import { cacheDir, openSession, resizeMode } from '../session-from-flags.js';

/** Flags and setup shared by `petlab activations` and `petlab explain`. */

export const MODEL_OR_BACKBONE_OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', arg: 'DIR', description: 'a trained model folder: its backbone (and head)' },
  backbone: { type: 'string', arg: 'NAME|PATH', description: 'a backbone alone: registry name, .tflite, model.json or folder (default: mobilenet_v2)' },
  'input-range': { type: 'string', arg: 'LO,HI', description: 'override the backbone input range, e.g. 0,1' },
  resize: { type: 'string', arg: 'MODE', description: 'with --backbone: cover (default), fill or crop; a model uses its own' },
  ...SESSION_OPTIONS,
};

/** --colormap, which both commands take with a default of their own. */
export const colormapOption = (fallback: ColormapName): OptionSpec => ({
  type: 'string',
  arg: 'NAME',
  description: `${COLORMAPS.join(' or ')} (default ${fallback})`,
});

export function colormapArg(ctx: CommandContext, fallback: ColormapName): ColormapName {
  const colormap = (str(ctx, 'colormap') ?? fallback) as ColormapName;
  if (!COLORMAPS.includes(colormap)) throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}, got "${colormap}"`);
  return colormap;
}

/** The one image argument, checked before TensorFlow starts. */
export async function imageArg(ctx: CommandContext, usage: string): Promise<string> {
  const files = ctx.positionals;
  if (files.length === 0) throw new UsageError('no image given', `usage: ${usage}`);
  if (files.length > 1) throw new UsageError(`one image at a time, got ${files.length}`, `usage: ${usage}`);
  const f = files[0];
  const st = await fs.stat(f).catch(() => undefined);
  if (!st) throw new PetlabError(`image not found: ${f}`, { hint: 'check the path' });
  if (st.isDirectory()) throw new PetlabError(`${f} is a folder, not an image`, { hint: 'give one image file' });
  return path.resolve(f);
}

/** --out FILE.png, required unless --json alone is wanted. */
export function outArg(ctx: CommandContext, what: string): string | undefined {
  const out = str(ctx, 'out');
  if (!out && !ctx.values.json) throw new UsageError(`--out FILE.png is required`, `where to write the ${what} (or use --json for the numbers only)`);
  if (out && !out.toLowerCase().endsWith('.png')) throw new UsageError(`--out must name a .png file, got "${out}"`);
  return out ? path.resolve(out) : undefined;
}

/**
 * A session with what the flags name loaded: --model DIR (backbone and head) or --backbone.
 * Wrong flags and missing models are reported before TensorFlow starts.
 */
export async function openExplainSession(ctx: CommandContext): Promise<{ session: Session; modelDir?: string }> {
  const modelDir = str(ctx, 'model');
  const backboneRef = str(ctx, 'backbone');
  // everything here runs in the main worker: more workers would only load the backbone again
  if (ctx.values.workers === undefined) ctx.values.workers = '1';
  if (modelDir && backboneRef) throw new UsageError('give --model or --backbone, not both', 'a model brings its own backbone');
  if (modelDir) {
    await readSavedModelMeta(modelDir);
    const session = await openSession(ctx);
    try {
      await session.loadModel(modelDir);
    } catch (e) {
      await session.close();
      throw e;
    }
    return { session, modelDir: path.resolve(modelDir) };
  }
  const ref = backboneRef ?? ctx.settings.backbone;
  const resize = resizeMode(ctx);
  const source = await resolveBackbone(ref, {
    cacheDir: cacheDir(ctx),
    mirror: ctx.settings.mirror || undefined,
    onEvent: ctx.reporter.event,
    inputRange: str(ctx, 'input-range'),
  });
  const session = await openSession(ctx, { resize });
  try {
    await session.loadBackboneSource(ref, source);
  } catch (e) {
    await session.close();
    throw e;
  }
  return { session };
}

export async function writePng(file: string, png: Buffer): Promise<void> {
  await writeFileAtomic(file, png);
}
