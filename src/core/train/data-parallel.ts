/**
 * Synchronous data parallelism across worker threads, without the main thread: each worker
 * computes the gradients of its share of the batch, writes them into shared memory, waits for the
 * others (Atomics), and every worker sums all shares in the same order, so all apply the very same
 * update and their weights stay identical. One wasm instance is single-threaded; this is how
 * fine-tuning uses every core.
 *
 * Layout of the SharedArrayBuffer: an Int32 control block, then for each of 2 parity slots and
 * each rank a region of `size` floats (gradients) + 2 floats (loss sum, correct count).
 * Alternating slots between steps means a fast worker never overwrites what a slow one still reads.
 */
const CTRL_INTS = 4; // [0] arrivals, [1] stop flag, [2] generation
const CTRL_BYTES = CTRL_INTS * 4;

export interface ExchangeLayout {
  sab: SharedArrayBuffer;
  world: number;
  /** gradient floats per rank */
  size: number;
}

export function createExchange(world: number, size: number): ExchangeLayout {
  const bytes = CTRL_BYTES + 2 * world * (size + 2) * 4;
  return { sab: new SharedArrayBuffer(bytes), world, size };
}

/** Ask every worker in the exchange to stop at its next barrier (from any thread). */
export function requestStop(layout: ExchangeLayout): void {
  const ctrl = new Int32Array(layout.sab, 0, CTRL_INTS);
  Atomics.store(ctrl, 1, 1);
  Atomics.notify(ctrl, 2);
}

export class GradientExchange {
  private ctrl: Int32Array;
  private step = 0;

  constructor(
    private readonly layout: ExchangeLayout,
    readonly rank: number,
  ) {
    this.ctrl = new Int32Array(layout.sab, 0, CTRL_INTS);
  }

  get world(): number {
    return this.layout.world;
  }

  private region(slot: number, rank: number): Float32Array {
    const per = this.layout.size + 2;
    return new Float32Array(this.layout.sab, CTRL_BYTES + (slot * this.layout.world + rank) * per * 4, per);
  }

  get stopped(): boolean {
    return Atomics.load(this.ctrl, 1) === 1;
  }

  /** Reusable barrier: the last to arrive bumps the generation and wakes the others. */
  private barrier(): boolean {
    const gen = Atomics.load(this.ctrl, 2);
    if (Atomics.add(this.ctrl, 0, 1) === this.layout.world - 1) {
      Atomics.store(this.ctrl, 0, 0);
      Atomics.add(this.ctrl, 2, 1);
      Atomics.notify(this.ctrl, 2);
      return !this.stopped;
    }
    while (Atomics.load(this.ctrl, 2) === gen) {
      if (this.stopped) return false;
      Atomics.wait(this.ctrl, 2, gen, 200);
    }
    return !this.stopped;
  }

  /**
   * Contribute this rank's gradients (flattened, already weighted by its share of the batch) and
   * return the sum over all ranks, or undefined when a stop was requested.
   */
  allReduce(local: Float32Array, lossSum: number, correct: number): { grads: Float32Array; lossSum: number; correct: number } | undefined {
    const slot = this.step & 1;
    this.step++;
    const mine = this.region(slot, this.rank);
    mine.set(local);
    mine[this.layout.size] = lossSum;
    mine[this.layout.size + 1] = correct;
    if (!this.barrier()) return undefined;
    const sum = new Float32Array(this.layout.size + 2);
    for (let r = 0; r < this.layout.world; r++) {
      const reg = this.region(slot, r);
      for (let i = 0; i < sum.length; i++) sum[i] += reg[i];
    }
    return { grads: sum.subarray(0, this.layout.size), lossSum: sum[this.layout.size], correct: sum[this.layout.size + 1] };
  }

  requestStop(): void {
    Atomics.store(this.ctrl, 1, 1);
    Atomics.notify(this.ctrl, 2);
  }

  /** Wait for every rank (e.g. while rank 0 evaluates and writes a checkpoint). */
  sync(): boolean {
    return this.barrier();
  }
}
