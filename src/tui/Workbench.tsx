/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The workbench: panes laid out from the layout tree, a status bar, the overlays (prompt, kind
 * chooser, help, quit question). Keys go to the key router (keys/router.ts); what they do is in the
 * action records (actions.ts) and the prompt's commands (prompt/run.ts).
 */
import { Box, Text } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ActionContext, Mode } from './actions/context.js';
import { ConfirmQuit, HelpView, KindChooser } from './components/Overlays.js';
import { Panes } from './components/Panes.js';
import { Prompt } from './components/Prompt.js';
import { StatusBar } from './components/StatusBar.js';
import {
  ControllerContext,
  KeymapContext,
  LayoutContext,
  ScreenContext,
  StoreContext,
  useController,
  useKeymap,
  useLayout,
  useScreen,
  useStore,
} from './contexts.js';
import type { WorkbenchController } from './controller/controller.js';
import { PaneKeyRegistry, PaneKeysProvider, usePaneKeyRegistry, usePaneRegistration } from './hooks/pane-keys.js';
import { useStrokes } from './hooks/strokes.js';
import type { InputItem } from './keys/input.js';
import type { Keymap } from './keys/keymap.js';
import { KeyRouter } from './keys/router.js';
import { revealKind } from './layout/place.js';
import { computeRects, defaultLayout, focusedPane, focusPane, naturalSplit, paneNumber, splitFocused, type Layout } from './layout/tree.js';
import { paneKind, paneKinds } from './panes/index.js';
import { runPromptLine } from './prompt/run.js';
import type { WorkbenchStore } from './state/store.js';

/** Below this the workbench says the terminal is too small instead of drawing broken panes. */
export const MIN_COLUMNS = 40;
export const MIN_ROWS = 10;
export { PREFIX_HINT_DELAY_MS } from './keys/router.js';

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
  // the latest layout, mode and size for the key router (keys can arrive faster than renders)
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const modeRef = useRef(mode);
  modeRef.current = mode;
  const areaRef = useRef({ width: columns, height: rows - 1 });
  areaRef.current = { width: columns, height: rows - 1 };
  const onQuitRef = useRef(onQuit);
  onQuitRef.current = onQuit;

  const router = useMemo(() => {
    const setMode = (m: Mode | undefined) => {
      modeRef.current = m; // keys that arrive together see the mode the previous one set
      setModeState(m);
    };
    const changeLayout = (l: Layout) => {
      layoutRef.current = l;
      setLayout(l);
    };
    const ctx: ActionContext & { mode(): Mode | undefined; setPrefixPending(on: boolean): void } = {
      store,
      controller,
      layout: () => layoutRef.current,
      setLayout: changeLayout,
      setMode,
      mode: () => modeRef.current,
      setPrefixPending,
      area: () => areaRef.current,
      reveal: (kind, o) => {
        const r = revealKind(layoutRef.current, kind, areaRef.current.width, areaRef.current.height);
        if (o?.focus && layoutRef.current.focus !== r.id) changeLayout(focusPane(r.layout, r.id));
        if (!r.added) return;
        if (!o?.focus) changeLayout(r.layout);
        const title = (k: string) => paneKind(k)?.title ?? k;
        store.flash(
          `${title(kind)} opened as pane ${paneNumber(r.layout, r.id)}${r.replaced ? ` (in place of ${title(r.replaced)}: no room for another pane)` : ''}`,
        );
      },
      quit: () => {
        const kind = store.get().task?.kind;
        if (kind === 'train' || kind === 'fine-tune') setMode({ type: 'confirm-quit' });
        else onQuitRef.current();
      },
    };
    return { ctx, keys: new KeyRouter(ctx, registry, keymap) };
  }, [store, controller, keymap, registry, setLayout]);
  useEffect(() => () => router.keys.dispose(), [router]);
  const { ctx } = router;

  useStrokes(
    useCallback(
      (items: InputItem[]) => {
        onKey?.();
        router.keys.deliver(items.map((it) => ('paste' in it ? { input: it.paste } : it)));
      },
      [router, onKey],
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

  const close = () => ctx.setMode(undefined);
  const bottomH =
    mode?.type === 'prompt'
      ? Math.min(8, Math.max(2, Math.floor(rows / 3)))
      : mode?.type === 'chooser'
        ? Math.min(paneKinds().length + 1, Math.floor(rows / 2))
        : 1;
  const area = { width: columns, height: rows - bottomH };
  let main: ReactNode;
  if (mode?.type === 'help') main = <HelpView width={columns} height={rows - 1} keymap={keymap} env={{ state: store.get(), layout }} onClose={close} />;
  else main = <Panes layout={layout} width={area.width} height={area.height} />;

  let bottom: ReactNode;
  if (mode?.type === 'prompt') {
    const run = (line: string) => {
      close();
      runPromptLine({ ...ctx, runAction: (id) => router.keys.runAction(id) }, line);
    };
    bottom = <Prompt width={columns} height={bottomH} onRun={run} onClose={close} />;
  } else if (mode?.type === 'chooser') {
    const dir = mode.dir;
    const choose = (kind: string) => {
      close();
      const l = ctx.layout();
      const rect = computeRects(l, area.width, area.height).find((r) => r.id === l.focus);
      ctx.setLayout(splitFocused(l, dir ?? (rect ? naturalSplit(rect) : 'h'), kind));
    };
    const title = dir ? `split ${dir === 'h' ? 'side by side' : 'stacked'}: the new pane shows…` : 'new pane: choose its kind';
    bottom = <KindChooser width={columns} height={bottomH} title={title} onClose={close} onChoose={choose} />;
  } else if (mode?.type === 'confirm-quit') {
    const yes = () => {
      close();
      onQuit();
    };
    bottom = <ConfirmQuit width={columns} onYes={yes} onNo={close} />;
  } else bottom = <FocusedStatus width={columns} prefixPending={prefixPending} />;

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
