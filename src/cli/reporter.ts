import type { PetlabEvent } from '../core/events.js';
import { bar, bytes, duration, num, pct } from './format.js';

export interface ReporterOptions {
  json: boolean;
  verbose: boolean;
  quiet?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/**
 * Turns core events into output. --json: one JSON object per event on stdout (nothing else on
 * stdout). Otherwise: a live progress line on stderr when it is a terminal, plain lines when not.
 */
export class Reporter {
  readonly json: boolean;
  readonly verbose: boolean;
  private out: NodeJS.WritableStream;
  private err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  private liveLine = false;
  private lastPlainProgress = 0;
  private lastPlainDone = "";
  readonly warnings: PetlabEvent[] = [];
  private quiet: boolean;

  constructor(o: ReporterOptions) {
    this.json = o.json;
    this.verbose = o.verbose;
    this.quiet = o.quiet ?? false;
    this.out = o.stdout ?? process.stdout;
    this.err = o.stderr ?? process.stderr;
  }

  private get tty(): boolean {
    return Boolean(this.err.isTTY);
  }

  private clearLive(): void {
    if (this.liveLine) {
      this.err.write('\r\x1b[2K');
      this.liveLine = false;
    }
  }

  /** A human line on stderr (progress and notes), or nothing in JSON mode. */
  note(line: string): void {
    if (this.json || this.quiet) return;
    this.clearLive();
    this.err.write(line + '\n');
  }

  /** Final human output goes to stdout. */
  print(text: string): void {
    if (this.json) return;
    this.clearLive();
    this.out.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** The command's result: a JSON object in JSON mode. */
  result(obj: Record<string, unknown>): void {
    if (this.json) this.out.write(JSON.stringify({ type: 'result', ...obj }) + '\n');
  }

  event = (e: PetlabEvent): void => {
    if (e.type === 'warning') this.warnings.push(e);
    if (this.json) {
      this.out.write(JSON.stringify(e) + '\n');
      return;
    }
    if (this.quiet && e.type !== 'warning') return;
    switch (e.type) {
      case 'backend':
        this.note(`backend: ${e.backend} (${e.workers} worker${e.workers > 1 ? 's' : ''})${e.note && this.verbose ? ` — ${e.note}` : ''}`);
        if (this.verbose) this.note(`  ${e.workerBackends.map((b, i) => `worker ${i}: ${b}`).join(', ')}${e.threads > 1 ? `, ${e.threads} threads each` : ''}`);
        break;
      case 'phase':
        this.note(`» ${e.message}`);
        break;
      case 'info':
        this.note(`  ${e.message}`);
        break;
      case 'warning':
        this.note(`warning: ${e.message}`);
        break;
      case 'checkpoint':
        if (this.verbose) this.note(`  checkpoint: epoch ${e.epoch} → ${e.path}`);
        break;
      case 'epoch':
        this.note(
          `  ${e.phase === 'fine-tune' ? 'fine-tune ' : ''}epoch ${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}  loss ${num(e.loss)}  acc ${pct(e.acc)}  val_loss ${num(e.valLoss)}  val_acc ${pct(e.valAcc)}  lr ${e.lr.toExponential(1)}  ${duration(e.seconds)}`,
        );
        break;
      case 'batch':
        if (this.tty) this.live(`  ${e.phase} epoch ${e.epoch} ${bar(e.batch / e.batches, 20)} batch ${e.batch}/${e.batches} loss ${num(e.loss)}`);
        break;
      case 'progress': {
        const done = e.unit === 'bytes' ? `${bytes(e.done)}/${bytes(e.total)}` : `${e.done}/${e.total}`;
        const rate = e.unit === 'bytes' ? `${bytes(e.rate)}/s` : `${e.rate.toFixed(1)} ${e.unit}/s`;
        const text = `  ${e.phase} ${bar(e.total ? e.done / e.total : 0, 24)} ${done} ${rate} ETA ${duration(e.etaSeconds)}${e.detail ? `  (${e.detail})` : ''}`;
        if (this.tty) this.live(text);
        else if (`${e.phase}:${e.done}` !== this.lastPlainDone && (Date.now() - this.lastPlainProgress > 5000 || e.done === e.total)) {
          // plain lines for logs: at most one each 5 s, the last one once
          this.lastPlainProgress = Date.now();
          this.lastPlainDone = `${e.phase}:${e.done}`;
          this.note(text.trim());
        }
        break;
      }
    }
  };

  private live(text: string): void {
    const cols = this.err.columns ?? 100;
    this.err.write('\r\x1b[2K' + text.slice(0, cols - 1));
    this.liveLine = true;
  }

  finish(): void {
    this.clearLive();
  }
}
