/**
 * Where a training run keeps its checkpoints, so that it loses nothing. A run into a folder that
 * holds no finished model checkpoints into that folder (as always: --resume finds it there). A run
 * into a folder that holds a finished model works beside it, in its in-progress folder
 * (io/output-dir.ts), and replaces the model only once it finishes: a Ctrl-C or kill -9 meanwhile
 * leaves the finished model whole and loadable, and the checkpoint for --resume.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { swapDirInto } from '../io/atomic.js';
import { assertReplaceable, inProgressDirFor, lockFileFor, pidAlive } from '../io/output-dir.js';
import { readSavedModelMeta, type SavedModelMeta } from './meta.js';
import { refitPlanOf } from '../refit.js';
import { runPoint } from './run-state.js';

export { inProgressDirFor } from '../io/output-dir.js';

/** Whether dir holds a model whose run has nothing left to do (not a stopped checkpoint). */
export async function holdsFinishedRun(dir: string): Promise<boolean> {
  const meta = await readSavedModelMeta(dir).catch(() => undefined);
  return !!meta && (await runPoint(dir, meta)).phase === 'complete';
}

/** The folder of the interrupted run into out: its in-progress folder when there is one, else out. */
export async function runDirOf(out: string): Promise<string> {
  const work = inProgressDirFor(out);
  return (await readSavedModelMeta(work).then(
    () => true,
    () => false,
  ))
    ? work
    : out;
}

/**
 * Where a run into out writes its checkpoints: on --resume where the interrupted run is; for a new
 * run, out itself unless it holds a finished model.
 */
export async function checkpointDirFor(out: string, o: { resume?: boolean } = {}): Promise<string> {
  if (o.resume) return runDirOf(out);
  const work = inProgressDirFor(out);
  // the in-progress name is petlab's, but a folder of the user's that happens to bear it is never replaced
  await assertReplaceable(work);
  // a leftover of an earlier run into out: this run replaces its checkpoint, as it always did (the CLI says so)
  await fs.rm(work, { recursive: true, force: true });
  return (await holdsFinishedRun(out)) ? work : out;
}

/**
 * A run that worked in `work` has finished: its model replaces the one in out (one rename, the old
 * one moved aside first; see io/atomic.ts). Nothing to do when it worked in out.
 */
export async function finishRunInto(work: string, out: string): Promise<void> {
  if (path.resolve(work) !== path.resolve(out)) await swapDirInto(work, out);
}

/** Where a stopped run's checkpoint stands: the phase, its epochs done and planned. */
export interface StoppedRun {
  phase: 'head' | 'fine-tune';
  epochsDone: number;
  epochs: number;
}

/** The stopped run whose checkpoint dir is, or undefined when dir holds a finished model (or none). */
export async function stoppedRunIn(dir: string, meta?: SavedModelMeta): Promise<StoppedRun | undefined> {
  const m = meta ?? (await readSavedModelMeta(dir).catch(() => undefined));
  if (!m) return undefined;
  const point = await runPoint(dir, m);
  if (point.phase === 'complete') return undefined;
  if (point.phase === 'fine-tune') return point;
  const epochs = typeof m.training?.epochs === 'number' ? m.training.epochs : point.epochsDone;
  return { phase: 'head', epochsDone: point.epochsDone, epochs };
}

/** Stopped with its frozen phase saved as finished and fine-tuning not begun (e.g. while computing the features). */
const beforeFineTuning = (s: StoppedRun) => s.phase === 'fine-tune' && s.epochsDone === 0;

/** Where a stopped run stopped, as every note says it: "epoch 1 of 5", "fine-tuning epoch 2 of 3", or before fine-tuning. */
function stoppedWhere(s: StoppedRun): string {
  if (beforeFineTuning(s)) return 'after the frozen phase, before fine-tuning';
  return `${s.phase === 'fine-tune' ? 'fine-tuning ' : ''}epoch ${s.epochsDone} of ${s.epochs}`;
}

/** The note predict, eval and the workbench give when a model is a stopped run's checkpoint. */
export function stoppedRunNote(dir: string, s: StoppedRun): string {
  const out = runFolderOf(dir);
  return `note: ${dir} is a stopped run (${stoppedWhere(s)}); \`petlab train --out ${out} --resume\` finishes it`;
}

/** The folder a run trains into: dir itself, or the one an in-progress folder belongs to (and is resumed through). */
function runFolderOf(dir: string): string {
  const inProgress = /^\.(.+)\.in-progress$/.exec(path.basename(dir));
  return inProgress ? path.join(path.dirname(dir), inProgress[1]) : dir;
}

/** The PID of another petlab process training into out right now (it holds out's lock), if any. */
export async function liveRunInto(out: string): Promise<number | undefined> {
  const pid = Number((await fs.readFile(lockFileFor(path.resolve(out)), 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid) ? pid : undefined;
}

/** A run into out interrupted in its in-progress folder (out holds a finished model meanwhile). */
export interface RunBeside {
  dir: string;
  /** a refit on train + validation (core/refit.ts), not a re-train with the run's own split */
  refit: boolean;
  /** where it stopped (or, while it runs, its last checkpoint); undefined when it had finished and was killed before replacing out's model */
  stopped?: StoppedRun;
  /** the PID of the petlab process still running it: it has not stopped */
  running?: number;
}

/** The run waiting beside out, if any; one that cannot be read is none (what it says never stops out's use). */
export async function runBeside(out: string): Promise<RunBeside | undefined> {
  const dir = inProgressDirFor(out);
  try {
    const meta = await readSavedModelMeta(dir);
    const running = await liveRunInto(out);
    return { dir, refit: !!refitPlanOf(meta), stopped: await stoppedRunIn(dir, meta), ...(running ? { running } : {}) };
  } catch {
    return undefined;
  }
}

/** "a re-train of M stopped at epoch 1 of 5 (.M.in-progress)": what waits beside out, for the notes. */
export function runBesideText(out: string, b: RunBeside): string {
  const what = `a ${b.refit ? 'refit on train + validation' : 're-train'} of ${out}`;
  const s = b.stopped;
  if (b.running) return `${what} is in progress (PID ${b.running}, ${s ? `last checkpoint: ${stoppedWhere(s)}` : 'finishing'}) (${path.basename(b.dir)})`;
  const where = !s ? 'finished but never replaced it' : `stopped ${beforeFineTuning(s) ? '' : 'at '}${stoppedWhere(s)}`;
  return `${what} ${where} (${path.basename(b.dir)})`;
}

/** What predict, eval and the workbench say of a model folder: a stopped run, or a run waiting beside it (and the notes). */
export async function modelFolderState(dir: string, meta?: SavedModelMeta): Promise<{ stopped?: StoppedRun; beside?: RunBeside; notes: string[] }> {
  const stopped = await stoppedRunIn(dir, meta);
  if (stopped) {
    const pid = await liveRunInto(runFolderOf(dir));
    if (pid) return { stopped, notes: [`note: ${dir} is a run in progress (PID ${pid}); this is its last checkpoint (${stoppedWhere(stopped)})`] };
    return { stopped, notes: [stoppedRunNote(dir, stopped)] };
  }
  const beside = await runBeside(dir);
  if (!beside) return { notes: [] };
  if (beside.running) return { beside, notes: [`note: ${runBesideText(dir, beside)}; ${dir} is unchanged until it finishes`] };
  return { beside, notes: [`note: ${runBesideText(dir, beside)}; \`petlab train --out ${dir} --resume\` finishes it, ${dir} is unchanged until then`] };
}

/**
 * Said when a new run (not a resume) into out replaces the folder an interrupted run left beside it
 * (checkpointDirFor removes it); synchronous, so a front end says it before the run starts.
 */
export function replacedRunNoteSync(out: string): string | undefined {
  const dir = inProgressDirFor(out);
  if (!existsSync(path.join(dir, 'petlab.json'))) return undefined;
  return `the interrupted run left beside ${out} (${path.basename(dir)}) is discarded: this run starts anew (\`petlab train --out ${out} --resume\` would have finished it)`;
}
