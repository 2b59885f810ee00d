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

/** The ranks' gradients summed in rank order into a new array (every worker gets the same floats). */
export function sumRanks(ranks: Float32Array[]): Float32Array {
  const sum = Float32Array.from(ranks[0]);
  for (let r = 1; r < ranks.length; r++) {
    const reg = ranks[r];
    for (let i = 0; i < sum.length; i++) sum[i] += reg[i];
  }
  return sum;
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

  /** Floats each rank's region holds (the gradients' size). */
  get capacity(): number {
    return this.layout.size;
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
   * This rank's region for the coming step's gradients. Writing them here saves allReduce a copy
   * (a MobileNetV2 top's gradients are ~7 MB a step).
   */
  local(): Float32Array {
    return this.region(this.step & 1, this.rank).subarray(0, this.layout.size);
  }

  /**
   * Contribute this rank's gradients (flattened, already weighted by its share of the batch), wait
   * for every rank, and return `reduce` of all ranks' gradients (views of the shared memory, in
   * rank order, valid until the step after next) with the summed loss and correct count; undefined
   * when a stop was requested. The default reduce sums them into a new array.
   */
  allReduce<T = Float32Array>(
    local: Float32Array,
    lossSum: number,
    correct: number,
    reduce: (ranks: Float32Array[]) => T = sumRanks as (ranks: Float32Array[]) => T,
  ): { grads: T; lossSum: number; correct: number } | undefined {
    const slot = this.step & 1;
    this.step++;
    const size = this.layout.size;
    const mine = this.region(slot, this.rank);
    if (local.buffer !== mine.buffer || local.byteOffset !== mine.byteOffset) mine.set(local);
    mine[size] = lossSum;
    mine[size + 1] = correct;
    if (!this.barrier()) return undefined;
    const regions = Array.from({ length: this.layout.world }, (_, r) => this.region(slot, r));
    let loss = 0;
    let right = 0;
    for (const reg of regions) {
      loss = Math.fround(loss + reg[size]);
      right = Math.fround(right + reg[size + 1]);
    }
    return { grads: reduce(regions.map((r) => r.subarray(0, size))), lossSum: loss, correct: right };
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
