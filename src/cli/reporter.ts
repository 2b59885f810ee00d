import type { PetlabEvent, ProgressEvent } from '../core/events.js';
import { onnxRuntimeNote } from '../core/backend/names.js';
import { bar, bytes, duration, num, pct } from '../text/format.js';
import { count } from '../text/plural.js';

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
  /** a finished progress line not yet printed (plain mode): later events of it may still change its figures */
  private finalLine: { key: string; text: string } | undefined;
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

  /** Erase the live line; a finished progress line stays, as a record of its figures. */
  private clearLive(): void {
    if (this.liveLine) {
      this.err.write('\r\x1b[2K');
      this.liveLine = false;
    }
    if (this.finalLine) {
      const line = this.finalLine.text;
      this.finalLine = undefined;
      if (!this.quiet) this.err.write(line + '\n');
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

  /** The command's result: a JSON object in JSON mode, always `"type": "result"` (scripts wait for it). */
  result(obj: Record<string, unknown> & { type?: never }): void {
    if (!this.json) return;
    const { type: _taken, ...rest } = obj as Record<string, unknown>;
    this.out.write(JSON.stringify({ type: 'result', ...rest }) + '\n');
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
        // the reason is the whole human line: "wasm (2 workers; tfjs-node not installed)"
        this.note(`backend: ${e.reason || `${e.backend} (${count(e.workers, 'worker')})`}${onnxRuntimeNote(e)}${e.note && this.verbose ? ` — ${e.note}` : ''}`);
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
        const text = progressLine(e);
        const finished = e.total > 0 && e.done >= e.total;
        // the finished line is kept, with its last figures, and written when what follows is
        if (this.finalLine && (!finished || this.finalLine.key !== e.phase)) this.clearLive();
        if (finished) this.finalLine = { key: e.phase, text: this.tty ? text.slice(0, (this.err.columns ?? 100) - 1) : text.trim() };
        if (this.tty) this.live(text);
        else if (!finished && Date.now() - this.lastPlainProgress > 5000) {
          // ...and at most one each 5 s before that
          this.lastPlainProgress = Date.now();
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

/** One progress line: a rate only once something was measured, an ETA only while work remains. */
export function progressLine(e: ProgressEvent): string {
  const finished = e.total > 0 && e.done >= e.total;
  const done = e.unit === 'bytes' ? `${bytes(e.done)}/${bytes(e.total)}` : `${e.done}/${e.total}`;
  const rate = e.rate > 0 ? (e.unit === 'bytes' ? ` ${bytes(e.rate)}/s` : ` ${e.rate.toFixed(1)} ${e.unit}/s`) : '';
  const eta = finished ? '' : ` ETA ${duration(e.etaSeconds)}`;
  return `  ${e.phase} ${bar(e.total ? e.done / e.total : 0, 24)} ${done}${rate}${eta}${e.detail ? `  (${e.detail})` : ''}`;
}
