/**
 * The key router: strokes go through one queue, in order, one per tick so that React draws (and the
 * handlers see) what the previous key did. Overlays first (prompt, chooser, help, quit question),
 * then the prefix machine and the global keys, then the focused pane; an esc nobody used leaves zoom.
 * Run keys pressed during start-up wait for it ("alt+t: train starts when the backbone has loaded").
 */
import { appendFileSync } from 'node:fs';
import { actionDef, isEnabled } from '../actions.js';
import type { ActionContext, Mode } from '../actions/context.js';
import { OVERLAY_ID } from '../components/Prompt.js';
import type { PaneKeyRegistry } from '../hooks/pane-keys.js';
import { focusedPane, toggleZoom } from '../layout/tree.js';
import type { Keymap } from './keymap.js';
import { keyFor } from './keymap.js';
import { isTyping, type Stroke } from './keyspec.js';
import { IDLE, isPlainKeyAction, resolveGlobal, resolvePane, resolvePaneAll, type PrefixState } from './resolve.js';

/** After the prefix, how long before the status bar lists what can follow. */
export const PREFIX_HINT_DELAY_MS = 250;

export interface RouterContext extends ActionContext {
  mode(): Mode | undefined;
  setPrefixPending(on: boolean): void;
}

type Item = { stroke?: Stroke; input: string };

export class KeyRouter {
  private prefix: PrefixState = IDLE;
  private prefixTimer: NodeJS.Timeout | undefined;
  private queue: Item[] = [];
  private pumping = false;
  /** run keys waiting for start-up, in the order pressed */
  private waiting: string[] = [];
  /** the training a key started, while it runs: the keys that follow a training wait for it */
  private training: Promise<unknown> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private ctx: RouterContext,
    private registry: PaneKeyRegistry,
    private keymap: Keymap,
  ) {}

  dispose(): void {
    clearTimeout(this.prefixTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  deliver(items: Item[]): void {
    this.queue.push(...items);
    if (!this.pumping) this.pump();
  }

  private pump(tries = 0): void {
    const it = this.queue[0];
    if (!it) {
      this.pumping = false;
      return;
    }
    this.pumping = true;
    // a key that opens an overlay (alt+d) is often followed at once by keys meant for it: they wait until it is drawn
    if (this.ctx.mode() && !this.registry.get(OVERLAY_ID) && tries < 50) {
      setTimeout(() => this.pump(tries + 1), 4);
      return;
    }
    this.queue.shift();
    if (process.env.PETLAB_TUI_KEY_LOG)
      appendFileSync(process.env.PETLAB_TUI_KEY_LOG, `${JSON.stringify(it)} mode=${this.ctx.mode()?.type} overlay=${Boolean(this.registry.get(OVERLAY_ID))}\n`);
    if (it.stroke) this.stroke(it.stroke, it.input);
    else this.paste(it.input);
    // the next key waits a tick even when it came in the same read: React draws this one first
    setTimeout(() => this.pump(), 0);
  }

  /** A paste: text for whatever field has the keys. */
  private paste(input: string): void {
    const target = this.ctx.mode() ? this.registry.get(OVERLAY_ID) : this.registry.get(focusedPane(this.ctx.layout()).id);
    if (target?.capturesText) target.handler({ stroke: { key: '', ctrl: false, alt: false, shift: false }, input });
  }

  private stroke(stroke: Stroke, input: string): void {
    const { ctx, keymap } = this;
    const mode = ctx.mode();
    if (stroke.ctrl && stroke.key === 'c' && mode?.type !== 'confirm-quit') {
      this.prefix = IDLE;
      ctx.setPrefixPending(false);
      ctx.quit();
      return;
    }
    if (mode) {
      this.registry.get(OVERLAY_ID)?.handler({ action: resolvePane(stroke, keymap), stroke, input });
      return;
    }
    const pane = this.registry.get(focusedPane(ctx.layout()).id);
    const { state, result } = resolveGlobal(this.prefix, stroke, keymap);
    this.prefix = state;
    // the prefix's key list shows only if no key follows at once: a quick "ctrl+f n" costs one frame
    clearTimeout(this.prefixTimer);
    this.prefixTimer = state.pending ? setTimeout(() => ctx.setPrefixPending(this.prefix.pending), PREFIX_HINT_DELAY_MS) : undefined;
    if (!state.pending) ctx.setPrefixPending(false);
    switch (result.type) {
      case 'prefix':
      case 'cancelled':
        return;
      case 'unbound':
        ctx.store.flash(`${result.label}: no such binding (? lists the keys)`, 'warn');
        return;
      case 'action':
        // q and ? are letters in a text field
        if (!(pane?.capturesText && isTyping(stroke) && isPlainKeyAction(keymap, result.action))) {
          this.runAction(result.action);
          return;
        }
    }
    const action = resolvePane(stroke, keymap);
    const used = pane?.handler({ action, actions: resolvePaneAll(stroke, keymap), stroke, input }) ?? false;
    // esc backs out of every mode: the pane's own first, then zoom
    if (!used && action === 'back' && ctx.layout().zoomed) ctx.setLayout(toggleZoom(ctx.layout()));
  }

  /** Run an action as its key does: disabled ones say why; during start-up, run keys wait. */
  runAction(id: string): void {
    const { ctx } = this;
    const why = isEnabled(id, { state: ctx.store.get(), layout: ctx.layout() });
    if (why === true) {
      if (id === 'stop' && this.waiting.length) this.cancelWaiting();
      this.start(id);
      return;
    }
    const def = actionDef(id);
    const startup = def?.waitsFor?.(ctx.store.get());
    const afterTraining = !startup && this.followsTraining(id);
    const until = startup ?? (afterTraining ? 'the training before it has finished' : undefined);
    if (id === 'stop' && this.waiting.length) return this.cancelWaiting();
    if (!until) {
      ctx.store.flash(why, 'warn');
      return;
    }
    const key = keyFor(this.keymap, id) ?? id;
    if (!this.waiting.includes(id)) this.waiting.push(id);
    // why it cannot run yet, and that it will: the key is never swallowed
    // (after a training, "no trained model yet" is not the reason: the model is on its way)
    const because = afterTraining ? `${def?.short ?? id}: the model is being trained` : why.replace(/…$/, '');
    ctx.store.flash(`${because} — ${key} waits: it starts when ${until} (${keyFor(this.keymap, 'stop') ?? 'stop'} cancels)`);
    ctx.store.log('info', `${key}: ${def?.short ?? id} starts when ${until}`);
    this.unsubscribe ??= ctx.store.subscribe(() => this.checkWaiting());
  }

  /** Run an action; a training it starts is remembered until it ends (then what waited for it runs). */
  private start(id: string): void {
    const r = actionDef(id)?.run(this.ctx);
    if (id !== 'train' || !(r instanceof Promise)) return;
    const p: Promise<unknown> = r
      .catch(() => undefined)
      .finally(() => {
        if (this.training === p) this.training = undefined;
        this.checkWaiting();
      });
    this.training = p;
  }

  /** A key that follows a training, pressed while alt+t waits or trains: it waits for that training. */
  private followsTraining(id: string): boolean {
    return !!actionDef(id)?.followsTraining && (this.training !== undefined || this.waiting.includes('train'));
  }

  private cancelWaiting(): void {
    const names = this.waiting.map((id) => keyFor(this.keymap, id) ?? id).join(', ');
    this.waiting = [];
    this.ctx.store.flash(`stop: ${names} no longer waits for start-up`);
  }

  /** Start-up moved on: run what waited for it, or say why it still cannot run. */
  private checkWaiting(): void {
    const { ctx } = this;
    while (this.waiting.length) {
      const id = this.waiting[0];
      const env = { state: ctx.store.get(), layout: ctx.layout() };
      const why = isEnabled(id, env);
      // a key that follows a training waits for the one started before it (the queue is in key order)
      if (why !== true && (actionDef(id)?.waitsFor?.(env.state) || (actionDef(id)?.followsTraining && this.training))) return;
      this.waiting.shift();
      if (why === true) this.start(id);
      else ctx.store.flash(why, 'warn');
    }
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
