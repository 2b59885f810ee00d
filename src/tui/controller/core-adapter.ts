/**
 * The core's Session as the workbench uses it: the Session itself, plus the operations the CLI
 * composes from its parts (fine-tuning, the learning-rate range test, the unfreeze plan), composed
 * the same way here. Imported only after the first frame: it loads TensorFlow.
 */
import type { UnfreezePlan, UnfreezeSpec } from '../../core/backbones/segments.js';
import { runFineTune, type FineTuneOutcome, type FineTuneRunRequest } from '../../core/fine-tune-run.js';
import type { Session } from '../../core/session.js';
import type { LrFindResult } from '../../core/train/lr-find.js';
import type { CoreSession, LrFindRequest } from './core-session.js';

export function adaptSession(session: Session): CoreSession {
  const extra = {
    async planUnfreeze(spec: UnfreezeSpec): Promise<UnfreezePlan> {
      session.requireBackbone();
      const r = await session.pool.main.call('planUnfreeze', { spec });
      return r.plan;
    },
    fineTune(req: FineTuneRunRequest): Promise<FineTuneOutcome> {
      return runFineTune(session, req);
    },
    async lrFind(req: LrFindRequest): Promise<LrFindResult> {
      const items = req.dataset.items.filter((i) => i.split === 'train');
      const emb = await session.embed(items.map((i) => i.file));
      const rows = items.map((_, i) => i).filter((i) => emb.ok[i]);
      if (rows.length < 2) throw new Error('lr-find needs at least 2 readable training images');
      const x = new Float32Array(rows.length * emb.dim);
      rows.forEach((row, j) => x.set(emb.vectors.subarray(row * emb.dim, (row + 1) * emb.dim), j * emb.dim));
      session.opts.onEvent?.({ type: 'phase', phase: 'lr-find', message: `sweeping the learning rate from ${req.startLr} to ${req.endLr} on ${rows.length} images` });
      const call = session.pool.main.call(
        'lrFind',
        {
          train: { x, y: Int32Array.from(rows.map((row) => items[row].label)), dim: emb.dim },
          options: { numClasses: req.dataset.classes.length, hiddenUnits: req.hiddenUnits, batchSize: req.batchSize, startLr: req.startLr, endLr: req.endLr, steps: req.steps, seed: req.seed },
        },
        { onEvent: session.opts.onEvent },
      );
      session.trackCall(call);
      return call;
    },
  };
  // the Session's own members (getters and methods included) and the three above
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
