/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/** The Dataset pane before a dataset is open (src/tui/panes/DatasetPane.tsx). */
import { Box, Text } from 'ink';
import { useLayoutEffect } from 'react';
import { bytes } from '../../text/format.js';
import { ListView, type Row } from '../components/ListView.js';
import { TextField, useTextField } from '../components/TextField.js';
import { useController, useStore, useWorkbench } from '../contexts.js';
import { useLiveState } from '../hooks/live-state.js';
import { usePaneKeyRegistry, usePaneKeys, type PaneKeyEvent } from '../hooks/pane-keys.js';
import { downloadFailedRows, wrapText } from './download-failed.js';
import type { PaneProps } from './registry.js';

/** Keys the Dataset pane holds while the dataset is read, for the list once it is shown. */
export type HeldKeys = { current: PaneKeyEvent[] };

/** No dataset yet: download the default one, or type a folder. */
export function DatasetChooser({ id, width, height, focused, downloading, held }: PaneProps & { downloading: boolean; held?: HeldKeys }) {
  const dataset = useWorkbench((s) => s.dataset);
  const reading = (dataset.status === 'scanning' || dataset.status === 'none') && !dataset.missing && !dataset.downloadError;
  const controller = useController();
  const store = useStore();
  const [cursor, setCursor, cursorNow] = useLiveState(0);
  const [typing, setTyping, typingNow] = useLiveState(false);
  const field = useTextField({
    paths: true,
    initial: dataset.root ? dataset.root + '/' : '',
    onSubmit: (v) => {
      setTyping(false);
      if (v) void controller.openDataset(v);
    },
    onCancel: () => setTyping(false),
  });
  const missing = dataset.missing;
  const failed = !downloading ? dataset.downloadError : undefined;
  const options: { label: string; run(): void }[] = [];
  if (missing && !downloading) {
    options.push({
      label: `${failed ? 'Retry the download of' : 'Download'} ${missing.title ?? missing.name} (${missing.bytes === null ? 'size unknown' : bytes(missing.bytes)})`,
      run: () => void controller.downloadDataset(),
    });
  }
  options.push({ label: 'Open a folder… (type its path, Tab completes)', run: () => setTyping(true) });
  usePaneKeys(
    id,
    (e: PaneKeyEvent) => {
      const [typing, cursor] = [typingNow.current, cursorNow.current];
      if (typing) return field.handle(e);
      if (held && reading) {
        held.current.push(e);
        if (held.current.length === 1) store.flash('data: reading the dataset — your keys wait for its list');
        return true;
      }
      const moved =
        e.action === 'down' || e.action === 'up' ? (e.action === 'down' ? Math.min(options.length - 1, cursor + 1) : Math.max(0, cursor - 1)) : undefined;
      if (moved !== undefined) {
        setCursor(moved);
        return true;
      }
      if (e.action === 'select') {
        const o = options[Math.min(cursor, options.length - 1)];
        if (o) o.run();
        else store.flash('data: nothing to choose');
        return true;
      }
      return false;
    },
    { capturesText: typing, hints: typing ? ['enter open', 'tab complete', 'esc cancel'] : ['j/k move', 'enter choose'] },
  );
  // the dataset turned out missing or unreadable: the keys that waited are this chooser's
  const registry = usePaneKeyRegistry();
  useLayoutEffect(() => {
    if (!reading && held) for (const e of held.current.splice(0)) registry.get(id)?.handler(e);
  }, [reading, held, registry, id]);
  const lines: Row[] = [];
  if (dataset.status === 'scanning' || dataset.status === 'none') lines.push({ text: `reading ${dataset.root ?? 'the dataset'}…`, dim: true });
  if (dataset.status === 'failed') lines.push({ text: dataset.error ?? 'the dataset could not be read', color: 'red' });
  if (missing) {
    lines.push({ text: `The default dataset ${missing.name} is not downloaded yet.` });
    if (downloading) lines.push({ text: 'Downloading… progress is in the Training log (alt+s stops).', color: 'yellow' });
  }
  // below the choices, so that they stay in view however long the message
  const above = lines.reduce((n, l) => n + wrapText(l.text, width).length, 0) + 1 + options.length + 1;
  const after = failed ? downloadFailedRows(failed, width, Math.max(1, height - above)) : [];
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.map((l, i) => (
        <Text key={i} color={l.color} dimColor={l.dim} wrap="wrap">
          {l.text}
        </Text>
      ))}
      {dataset.status !== 'scanning' && dataset.status !== 'none' && (
        <Box marginTop={1} flexDirection="column">
          <ListView
            rows={options.map((o) => ({ text: o.label }))}
            selected={Math.min(cursor, options.length - 1)}
            width={width}
            height={options.length}
            focused={focused && !typing}
          />
          {typing && (
            <Box marginTop={1}>
              <TextField label="folder: " field={field} width={width} maxCandidates={Math.max(0, height - lines.length - options.length - 4)} />
            </Box>
          )}
        </Box>
      )}
      {after.length > 0 && !typing && (
        <Box marginTop={1} flexDirection="column">
          {after.map((l, i) => (
            <Text key={i} color={l.color} dimColor={l.dim} wrap="truncate">
              {l.text}
            </Text>
          ))}
        </Box>
      )}
    </Box>
  );
}
