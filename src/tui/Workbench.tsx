/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The workbench: panes laid out from the layout tree, a status bar, and the key router — overlays
 * first (prompt, chooser, help, quit question), then the prefix machine and global keys, then the
 * focused pane.
 */
import { appendFileSync } from 'node:fs';
import { Box, Text } from 'ink';
import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { isEnabled } from './actions.js';
import { ConfirmQuit, HelpView, KindChooser } from './components/Overlays.js';
import { PaneFrame } from './components/PaneFrame.js';
import { OVERLAY_ID, Prompt } from './components/Prompt.js';
import { StatusBar } from './components/StatusBar.js';
import { fit } from './components/text.js';
import { ControllerContext, KeymapContext, LayoutContext, ScreenContext, StoreContext, useController, useKeymap, useLayout, useScreen, useStore } from './contexts.js';
import type { WorkbenchController } from './controller/controller.js';
import { parseTrainFlags } from './controller/train-flags.js';
import { PaneKeyRegistry, PaneKeysProvider, usePaneKeyRegistry, usePaneRegistration } from './hooks/pane-keys.js';
import type { Keymap } from './keys/keymap.js';
import type { InputItem } from './keys/input.js';
import { isTyping, type Stroke } from './keys/keyspec.js';
import { useStrokes } from './hooks/strokes.js';
import { IDLE, isPlainKeyAction, resolveGlobal, resolvePane, type PrefixState } from './keys/resolve.js';
import { closePane, computeRects, paneNumber, revealKind, defaultLayout, firstShare, fits, focusCycle, focusDirection, focusNumber, focusedPane, leaves, naturalSplit, paneCount, setKind, splitFocused, toggleZoom, type Direction, type Layout, type SplitDir } from './layout/tree.js';
import { paneKind, paneKinds } from './panes/index.js';
import { parsePromptLine } from './prompt/commands.js';
import type { WorkbenchStore } from './state/store.js';

/** Below this the workbench says the terminal is too small instead of drawing broken panes. */
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;
/** After the prefix, how long before the status bar lists what can follow. */
export const PREFIX_HINT_DELAY_MS = 250;

type Mode = { type: 'help' } | { type: 'prompt' } | { type: 'chooser'; dir?: SplitDir } | { type: 'confirm-quit' };

export interface WorkbenchProps {
  store: WorkbenchStore;
  controller: WorkbenchController;
  keymap: Keymap;
  /** the terminal's size (launch follows resizes) */
  columns: number;
  rows: number;
  onQuit(): void;
  initialLayout?: Layout;
  /** called on every key (diagnostics: key-to-frame timing) */
  onKey?: () => void;
}

export function Workbench(p: WorkbenchProps) {
  const [layout, setLayout] = useState<Layout>(() => p.initialLayout ?? defaultLayout());
  const registry = useMemo(() => new PaneKeyRegistry(), []);
  const layoutValue = useMemo(() => ({ layout, setLayout }), [layout]);
  const screen = useMemo(() => ({ columns: p.columns, rows: p.rows }), [p.columns, p.rows]);
  return (
    <StoreContext.Provider value={p.store}>
      <ControllerContext.Provider value={p.controller}>
        <KeymapContext.Provider value={p.keymap}>
          <ScreenContext.Provider value={screen}>
            <LayoutContext.Provider value={layoutValue}>
              <PaneKeysProvider registry={registry}>
                <Shell onQuit={p.onQuit} onKey={p.onKey} />
              </PaneKeysProvider>
            </LayoutContext.Provider>
          </ScreenContext.Provider>
        </KeymapContext.Provider>
      </ControllerContext.Provider>
    </StoreContext.Provider>
  );
}

function Shell({ onQuit, onKey }: { onQuit(): void; onKey?: () => void }) {
  const store = useStore();
  const controller = useController();
  const keymap = useKeymap();
  const { layout, setLayout } = useLayout();
  const { columns, rows } = useScreen();
  const registry = usePaneKeyRegistry();
  const [mode, setModeState] = useState<Mode | undefined>(undefined);
  const [prefixPending, setPrefixPending] = useState(false);
  const prefix = useRef<PrefixState>(IDLE);
  const prefixTimer = useRef<NodeJS.Timeout | undefined>(undefined);
  useEffect(() => () => clearTimeout(prefixTimer.current), []);
  // the latest layout and mode for the input handler (keys can arrive faster than renders)
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const modeRef = useRef(mode);
  modeRef.current = mode;
  // keys that arrive together (one read) see the mode the previous one set
  const setMode = useCallback((m: Mode | undefined) => {
    modeRef.current = m;
    setModeState(m);
  }, []);

  const paneArea = { width: columns, height: rows - 1 };
  const changeLayout = useCallback(
    (l: Layout) => {
      layoutRef.current = l;
      setLayout(l);
    },
    [setLayout],
  );

  /** Show a kind of pane (split off the largest pane when none is there); the focus stays. */
  const reveal = useCallback(
    (kind: string) => {
      const r = revealKind(layoutRef.current, kind, paneArea.width, paneArea.height);
      if (r.added) {
        changeLayout(r.layout);
        store.flash(`${paneKind(kind)?.title ?? kind} opened as pane ${paneNumber(r.layout, r.id)}`);
      }
    },
    [changeLayout, store, paneArea.width, paneArea.height],
  );

  const quit = useCallback(() => {
    const kind = store.get().task?.kind;
    if (kind === 'train' || kind === 'fine-tune') setMode({ type: 'confirm-quit' });
    else onQuit();
  }, [store, onQuit]);

  const runAction = useCallback(
    (id: string) => {
      const l = layoutRef.current;
      const why = isEnabled(id, { state: store.get(), layout: l });
      if (why !== true) {
        store.flash(why, 'warn');
        return;
      }
      const focusTo = (dir: Direction) => {
        const next = focusDirection(l, dir, paneArea.width, paneArea.height);
        if (next.focus === l.focus) store.flash(`no pane ${dir === 'left' || dir === 'right' ? `to the ${dir}` : dir === 'up' ? 'above' : 'below'}`);
        else changeLayout(l.zoomed ? { ...next, zoomed: true } : next);
      };
      switch (id) {
        case 'train':
          void controller.train();
          return;
        case 'fine-tune':
          void controller.fineTune();
          return;
        case 'lr-find':
          reveal('lr-find');
          void controller.lrFind();
          return;
        case 'predict':
          void controller.predict();
          return;
        case 'evaluate':
          reveal('interpretation');
          void controller.evaluate();
          return;
        case 'stop':
          controller.stop();
          return;
        case 'prompt':
          setMode({ type: 'prompt' });
          return;
        case 'help':
          setMode({ type: 'help' });
          return;
        case 'quit':
          quit();
          return;
        case 'pane.new':
          setMode({ type: 'chooser' });
          return;
        case 'split.h':
          setMode({ type: 'chooser', dir: 'h' });
          return;
        case 'split.v':
          setMode({ type: 'chooser', dir: 'v' });
          return;
        case 'pane.close':
          changeLayout(closePane(l) ?? l);
          return;
        case 'pane.next':
          changeLayout(focusCycle(l, 1));
          return;
        case 'pane.prev':
          changeLayout(focusCycle(l, -1));
          return;
        case 'pane.zoom':
          changeLayout(toggleZoom(l));
          return;
        case 'focus.left':
        case 'focus.right':
        case 'focus.up':
        case 'focus.down':
          focusTo(id.slice(6) as Direction);
          return;
      }
      const n = /^pane\.([1-9])$/.exec(id);
      if (n) changeLayout(focusNumber(l, Number(n[1])) ?? l);
    },
    [store, controller, quit, changeLayout, reveal, paneArea.width, paneArea.height],
  );

  /** A line from the prompt: an action, a command with an argument, or training flags. */
  const runPromptLine = useCallback(
    (line: string) => {
      setMode(undefined);
      const p = parsePromptLine(line);
      const env = () => ({ state: store.get(), layout: layoutRef.current });
      const setFlags = (flags: string[]): boolean => {
        if (!flags.length) return true;
        const r = parseTrainFlags(flags);
        if ('error' in r) {
          store.flash(r.error, 'error');
          return false;
        }
        controller.setTrainFlags(r.flags);
        return true;
      };
      switch (p.type) {
        case 'empty':
          return;
        case 'unknown':
          store.flash(`unknown command "${p.word}" — alt+d then Tab lists them`, 'warn');
          return;
        case 'flags':
          setFlags(p.flags);
          return;
        case 'train':
          if (setFlags(p.flags)) runAction('train');
          return;
        case 'action':
          runAction(p.action);
          return;
        case 'command': {
          const need = (what: string) => store.flash(`${p.name}: give ${what}`, 'warn');
          if (p.name === 'predict') {
            if (!p.arg) return runAction('predict');
            const why = isEnabled('predict', { ...env(), state: { ...store.get(), selection: { file: p.arg, label: '' } } });
            if (why !== true) store.flash(why, 'warn');
            else void controller.predict(p.arg);
          } else if (p.name === 'data') {
            if (!p.arg) return need('a folder');
            if (store.get().task?.kind === 'train') return store.flash('data: training is running — wait, or alt+s to stop it', 'warn');
            void controller.openDataset(p.arg);
          } else if (p.name === 'model' || p.name === 'backbone') {
            if (!p.arg) return need(p.name === 'model' ? 'a model folder' : 'a backbone name or path');
            const s = store.get();
            if (s.task) return store.flash(`${p.name}: busy — wait for the current task`, 'warn');
            if (s.tf.status !== 'ready') return store.flash(`${p.name}: TensorFlow is ${s.tf.status === 'starting' ? 'still starting…' : 'not running'}`, 'warn');
            void (p.name === 'model' ? controller.openModel(p.arg) : controller.useBackbone(p.arg));
          } else if (p.name === 'download') {
            const s = store.get();
            if (!s.dataset.missing) return store.flash('download: the dataset is already here', 'info');
            if (s.task) return store.flash('download: busy — wait for the current task', 'warn');
            void controller.downloadDataset();
          } else if (p.name === 'unfreeze') {
            if (!p.arg) return need('a setting: 3 (blocks), 30%, all or 0');
            if (store.get().task?.kind === 'fine-tune') return store.flash('unfreeze: fine-tuning is running — change it between phases', 'warn');
            void controller.setUnfreeze(p.arg);
          } else if (p.name === 'fine-tune') {
            if (p.arg) {
              const n = Number(p.arg);
              if (!Number.isInteger(n) || n < 1 || n > 10000) return store.flash(`fine-tune: give a number of epochs from 1 to 10000, got "${p.arg}"`, 'error');
              controller.setFineTuneEpochs(n);
            }
            runAction('fine-tune');
          } else if (p.name === 'gradcam') {
            const off = /^(off|no|0)$/i.test(p.arg);
            store.update((s) => ({ ...s, gradCam: off ? { on: false } : { on: true, className: p.arg || undefined } }));
            store.flash(off ? 'Grad-CAM off' : `Grad-CAM on, for ${p.arg ? `class ${p.arg}` : 'the predicted class'}`);
          } else if (p.name === 'show') {
            if (!paneKind(p.arg)) return store.flash(`show: no pane kind "${p.arg}" (${paneKinds().map((k) => k.kind).join(', ')})`, 'warn');
            changeLayout(setKind(layoutRef.current, layoutRef.current.focus, p.arg));
          }
        }
      }
    },
    [store, controller, runAction, changeLayout],
  );

  const onStroke = useCallback(
    (stroke: Stroke, input: string) => {
      const focusedId = focusedPane(layoutRef.current).id;
      const current = modeRef.current;
      if (stroke.ctrl && stroke.key === 'c' && current?.type !== 'confirm-quit') {
        prefix.current = IDLE;
        setPrefixPending(false);
        quit();
        return;
      }
      if (current) {
        registry.get(OVERLAY_ID)?.handler({ action: resolvePane(stroke, keymap), stroke, input });
        return;
      }
      const pane = registry.get(focusedId);
      const { state, result } = resolveGlobal(prefix.current, stroke, keymap);
      prefix.current = state;
      // the prefix's key list shows only if no key follows at once: a quick "ctrl+f n" costs one frame
      if (prefixTimer.current) clearTimeout(prefixTimer.current);
      prefixTimer.current = state.pending ? setTimeout(() => setPrefixPending(prefix.current.pending), PREFIX_HINT_DELAY_MS) : undefined;
      if (!state.pending) setPrefixPending(false);
      switch (result.type) {
        case 'prefix':
        case 'cancelled':
          return;
        case 'unbound':
          store.flash(`${result.label}: no such binding (? lists the keys)`, 'warn');
          return;
        case 'action':
          // q and ? are letters in a text field
          if (!(pane?.capturesText && isTyping(stroke) && isPlainKeyAction(keymap, result.action))) {
            runAction(result.action);
            return;
          }
      }
      pane?.handler({ action: resolvePane(stroke, keymap), stroke, input });
    },
    [registry, keymap, store, runAction, quit],
  );
  /** A paste: text for whatever field has the keys. */
  const onPaste = useCallback(
    (input: string) => {
      const target = modeRef.current ? registry.get(OVERLAY_ID) : registry.get(focusedPane(layoutRef.current).id);
      if (target?.capturesText) target.handler({ stroke: { key: '', ctrl: false, alt: false, shift: false }, input });
    },
    [registry],
  );

  /**
   * Keys go through one queue, in order, one per tick so that React draws (and the handlers see)
   * what the previous key did. A key that opens an overlay (alt+d) is often followed at once by
   * keys meant for it (tmux's send-keys, a paste, a fast typist): they wait until it is drawn.
   */
  const queue = useRef<Array<{ stroke?: Stroke; input: string }>>([]);
  const pumping = useRef(false);
  const pump = useCallback(
    (tries = 0) => {
      const it = queue.current[0];
      if (!it) {
        pumping.current = false;
        return;
      }
      pumping.current = true;
      if (modeRef.current && !registry.get(OVERLAY_ID) && tries < 50) {
        setTimeout(() => pump(tries + 1), 4);
        return;
      }
      queue.current.shift();
      if (process.env.PETLAB_TUI_KEY_LOG) appendFileSync(process.env.PETLAB_TUI_KEY_LOG, `${JSON.stringify(it)} mode=${modeRef.current?.type} overlay=${Boolean(registry.get(OVERLAY_ID))}\n`);
      if (it.stroke) onStroke(it.stroke, it.input);
      else onPaste(it.input);
      // the next key waits a tick even when it came in the same read: React draws this one first
      setTimeout(() => pump(), 0);
    },
    [registry, onStroke, onPaste],
  );
  const deliver = useCallback(
    (items: Array<{ stroke?: Stroke; input: string }>) => {
      queue.current.push(...items);
      if (!pumping.current) pump();
    },
    [pump],
  );

  useStrokes(
    useCallback(
      (items: InputItem[]) => {
        onKey?.();
        deliver(items.map((it) => ('paste' in it ? { input: it.paste } : it)));
      },
      [deliver, onKey],
    ),
  );

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Box width={columns} height={rows} flexDirection="column">
        <Text color="yellow" wrap="wrap">
          {`Terminal too small (${columns}×${rows}): petlab needs at least ${MIN_COLUMNS}×${MIN_ROWS}. Enlarge it, or q to quit.`}
        </Text>
      </Box>
    );
  }

  const bottomH = mode?.type === 'prompt' ? Math.min(8, Math.max(2, Math.floor(rows / 3))) : mode?.type === 'chooser' ? Math.min(paneKinds().length + 1, Math.floor(rows / 2)) : 1;
  const area = { width: columns, height: rows - bottomH };
  let main: ReactNode;
  if (mode?.type === 'help') main = <HelpView width={columns} height={rows - 1} keymap={keymap} env={{ state: store.get(), layout }} onClose={() => setMode(undefined)} />;
  else main = <Panes layout={layout} width={area.width} height={area.height} />;

  let bottom: ReactNode;
  if (mode?.type === 'prompt') bottom = <Prompt width={columns} height={bottomH} onRun={runPromptLine} onClose={() => setMode(undefined)} />;
  else if (mode?.type === 'chooser') {
    const dir = mode.dir;
    bottom = (
      <KindChooser
        width={columns}
        height={bottomH}
        title={dir ? `split ${dir === 'h' ? 'side by side' : 'stacked'}: the new pane shows…` : 'new pane: choose its kind'}
        onClose={() => setMode(undefined)}
        onChoose={(kind) => {
          setMode(undefined);
          const l = layoutRef.current;
          const rect = computeRects(l, area.width, area.height).find((r) => r.id === l.focus);
          changeLayout(splitFocused(l, dir ?? (rect ? naturalSplit(rect) : 'h'), kind));
        }}
      />
    );
  } else if (mode?.type === 'confirm-quit') bottom = <ConfirmQuit width={columns} onYes={() => { setMode(undefined); onQuit(); }} onNo={() => setMode(undefined)} />;
  else bottom = <FocusedStatus width={columns} prefixPending={prefixPending} />;

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      {main}
      {bottom}
    </Box>
  );
}

function FocusedStatus({ width, prefixPending }: { width: number; prefixPending: boolean }) {
  const { layout } = useLayout();
  const reg = usePaneRegistration(focusedPane(layout).id);
  return <StatusBar width={width} paneHints={reg?.hints ?? []} prefixPending={prefixPending} />;
}

/** The panes as nested rows and columns of exactly sized boxes. */
function Panes({ layout, width, height }: { layout: Layout; width: number; height: number }) {
  // too many panes for this screen: show the focused one alone rather than broken boxes
  const tooSmall = !layout.zoomed && !fits(layout, width, height);
  const shown = tooSmall ? { ...layout, zoomed: true } : layout;
  return (
    <Box width={width} height={height} flexShrink={0}>
      <NodeView node={shown.zoomed ? focusedPane(shown) : shown.root} layout={shown} width={width} height={height} note={tooSmall ? ` [zoomed: ${paneCount(layout)} panes do not fit]` : shown.zoomed ? ' [Z]' : ''} />
    </Box>
  );
}

function NodeView({ node, layout, width, height, note }: { node: Layout['root']; layout: Layout; width: number; height: number; note: string }) {
  if (node.type === 'leaf') return <PaneView id={node.id} kind={node.kind} layout={layout} width={width} height={height} note={note} />;
  const share = firstShare(node, width, height);
  const aW = node.dir === 'h' ? share : width;
  const aH = node.dir === 'v' ? share : height;
  return (
    <Box flexDirection={node.dir === 'h' ? 'row' : 'column'} width={width} height={height} flexShrink={0}>
      <NodeView node={node.a} layout={layout} width={aW} height={aH} note={note} />
      <NodeView node={node.b} layout={layout} width={node.dir === 'h' ? width - aW : width} height={node.dir === 'v' ? height - aH : height} note={note} />
    </Box>
  );
}

function PaneView({ id, kind, layout, width, height, note }: { id: number; kind: string; layout: Layout; width: number; height: number; note: string }) {
  const focused = layout.focus === id;
  const number = leaves(layout.root).findIndex((p) => p.id === id) + 1;
  return <PaneBox id={id} kind={kind} number={number} width={width} height={height} focused={focused} note={focused ? note : ''} />;
}

/** One pane, redrawn only when its own props change (not when another pane takes the focus). */
const PaneBox = memo(function PaneBox({ id, kind, number, width, height, focused, note }: { id: number; kind: string; number: number; width: number; height: number; focused: boolean; note: string }) {
  const k = paneKind(kind);
  const Body = k?.component;
  return (
    <PaneFrame width={width} height={height} label={`${number} ${k?.title ?? kind}${note}`} focused={focused}>
      {Body ? <Body id={id} width={width - 2} height={height - 2} focused={focused} /> : <Text color="red">{fit(`unknown pane kind "${kind}"`, width - 2)}</Text>}
    </PaneFrame>
  );
});
