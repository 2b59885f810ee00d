/**
 * The core's Session as the workbench uses it: the Session itself, plus the two operations the
 * core composes from it (fine-tuning, the learning-rate range test), the same ones the CLI runs. Imported only after the first frame: it loads TensorFlow.
 */
import { runFineTune, type FineTuneOutcome, type FineTuneRunRequest } from '../../core/fine-tune-run.js';
import { runLrFind } from '../../core/lr-find-run.js';
import { comparePairs, trainPairs, type PairsTrainRequest } from '../../core/pairs/run.js';
import { buildNeighbourIndex } from '../../core/review/neighbour-index.js';
import { runReview, type ReviewRequest, type ReviewResult } from '../../core/review/run.js';
import type { Dataset } from '../../core/data/types.js';
import type { Session } from '../../core/session.js';
import type { LrFindResult } from '../../core/train/lr-find.js';
import type { CoreSession, LrFindRequest } from './core-session.js';

export function adaptSession(session: Session): CoreSession {
  // the core composes these from the Session, for the CLI too: the workbench never reaches the workers
  const extra = {
    fineTune: (req: FineTuneRunRequest): Promise<FineTuneOutcome> => runFineTune(session, req),
    lrFind: (req: LrFindRequest): Promise<LrFindResult> => runLrFind(session, req),
    review: (req: ReviewRequest): Promise<ReviewResult> => runReview(session, req),
    neighbourIndex: (ds: Dataset) => buildNeighbourIndex(session, ds),
    pairsTrain: (req: PairsTrainRequest) => trainPairs(session, req),
    pairsCompare: (dir: string, a: string, b: string) => comparePairs(session, dir, a, b),
  };
  // the Session's own members (getters and methods included) and the two above
  return new Proxy(session, {
    get(target, key, receiver) {
      if (typeof key === 'string' && key in extra) return extra[key as keyof typeof extra];
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, key, value) {
      return Reflect.set(target, key, value);
    },
  }) as unknown as CoreSession;
}
