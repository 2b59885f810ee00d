import { UsageError } from '../../core/errors.js';
import { bool, type CommandContext } from '../command.js';

/** --tta / --no-tta of predict and eval: the default is the model's (train/mirror.ts modelTta). */
export const TTA_OPTIONS = {
  tta: {
    type: 'boolean',
    description: "test-time augmentation: average the picture and its mirror image (default: as the model was trained; petlab train's default)",
  },
  'no-tta': { type: 'boolean', description: 'the picture alone, even for a model trained with flip TTA' },
} as const;

/** true, false, or undefined for the model's default. */
export function ttaChoice(ctx: CommandContext): boolean | undefined {
  if (bool(ctx, 'tta') && bool(ctx, 'no-tta')) throw new UsageError('--tta and --no-tta contradict each other', 'give one of them');
  return bool(ctx, 'tta') ? true : bool(ctx, 'no-tta') ? false : undefined;
}
