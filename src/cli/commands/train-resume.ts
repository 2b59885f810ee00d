import type { Dataset } from '../../core/data/types.js';
import { prepareOutputDir } from '../../core/io/output-dir.js';
import type { SavedModelMeta } from '../../core/model/meta.js';
import { finishRunInto, runBeside, runBesideText } from '../../core/model/run-folder.js';
import { markRefitted, refitDataset, refitPlanOf, type RefitPlan } from '../../core/refit.js';
import type { Reporter } from '../reporter.js';

/**
 * `petlab train --resume` of a run interrupted beside --out (core/model/run-folder.ts), and what a
 * new run says of one it replaces. A refit's checkpoint (core/refit.ts) is resumed as a refit: on
 * train + validation, marked refitted once it has replaced the validated model.
 */

/** The dataset the resumed run trains on: the scanned one, or for a refit its train + validation. */
export function resumedDataset(ds: Dataset, saved: SavedModelMeta | undefined): Dataset {
  return saved && refitPlanOf(saved) ? refitDataset(ds) : ds;
}

/** What a resumed refit's checkpoints go on saying they are (the head phase's meta is written anew). */
export function refitMarkOf(saved: SavedModelMeta | undefined): { refitting?: RefitPlan } {
  const plan = saved && refitPlanOf(saved);
  return plan ? { refitting: plan } : {};
}

/** A resumed refit has replaced the model in out: mark it refitted (undefined for any other run). */
export async function finishResumedRefit(out: string, saved: SavedModelMeta | undefined) {
  const plan = saved && refitPlanOf(saved);
  return plan ? markRefitted(out, plan) : undefined;
}

/**
 * --resume of a run that finished beside --out but was killed before it replaced the model there;
 * or of a refit killed between replacing the model and marking it refitted (runDir is out then).
 */
export async function finishKilledSwap(r: Reporter, runDir: string, outArg: string, saved: SavedModelMeta): Promise<number> {
  const prepared = await prepareOutputDir(outArg);
  try {
    await finishRunInto(runDir, prepared.dir);
    await finishResumedRefit(prepared.dir, saved);
  } finally {
    await prepared.release();
  }
  r.note(
    runDir === prepared.dir
      ? `the refit in ${outArg} had finished: it is marked refitted now`
      : `the run in ${runDir} had finished: it now replaces the model in ${outArg}`,
  );
  r.result({ command: 'train', modelDir: prepared.dir, finishedEarlier: true });
  return 0;
}

/** A new run (not --resume) into out replaces what an interrupted one left beside it: say so before it goes. */
export async function noteReplacedRunBeside(r: Reporter, out: string): Promise<void> {
  const beside = await runBeside(out);
  if (beside) r.note(`${runBesideText(out, beside)}: discarded, this run starts anew (\`--resume\` would have finished it)`);
}
