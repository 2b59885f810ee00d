/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Dataset pane: the classes with their train/val counts and the skipped files; enter on a class
 * lists its images, and the selected one is drawn with its file name and label (that image is what
 * alt+p predicts). When the default dataset is not downloaded yet, it offers the download (with its
 * size) or a folder to type.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import type { Dataset } from '../../core/data/types.js';
import { ListView, type Row } from '../components/ListView.js';
import { fit } from '../components/text.js';
import { useController, useStore, useWorkbench } from '../contexts.js';
import { useLiveState } from '../hooks/live-state.js';
import { usePaneKeyRegistry, usePaneKeys, type PaneKeyEvent } from '../hooks/pane-keys.js';
import type { HeldKeys } from './DatasetChooser.js';
import { ImageBox } from '../components/ImageBox.js';
import type { PaneProps } from './registry.js';
import { DatasetChooser } from './DatasetChooser.js';
import { NeighboursView } from './NeighboursView.js';
import { isPaneActionEnabled } from '../actions.js';

/** neighbours: n on a picture of class cls (esc goes back to that class's list, its cursor kept) */
type View = { name: 'classes' } | { name: 'images'; cls: number } | { name: 'skipped' } | { name: 'neighbours'; cls: number; file: string; pos: number };

interface ClassRow {
  index: number;
  name: string;
  train: number;
  val: number;
  test: number;
}

function classRows(ds: Dataset): ClassRow[] {
  const rows = ds.classes.map((name, index) => ({ index, name, train: 0, val: 0, test: 0 }));
  for (const it of ds.items) rows[it.label][it.split]++;
  return rows;
}

/** Moves shared by every list: returns the new cursor, or undefined when the key is not a move. */
export function moveCursor(action: string | undefined, cursor: number, count: number, page: number): number | undefined {
  const last = Math.max(0, count - 1);
  switch (action) {
    case 'down':
      return Math.min(last, cursor + 1);
    case 'up':
      return Math.max(0, cursor - 1);
    case 'pageDown':
      return Math.min(last, cursor + page);
    case 'pageUp':
      return Math.max(0, cursor - page);
  }
  if (action === undefined) return undefined;
  return undefined;
}

export function DatasetPane({ id, width, height, focused }: PaneProps) {
  const dataset = useWorkbench((s) => s.dataset);
  const downloading = useWorkbench((s) => s.task?.kind === 'download');
  // keys pressed while the dataset is being read wait for its list (enter j j at first sight)
  const held = useRef<PaneKeyEvent[]>([]);
  if (dataset.status === 'ready' && dataset.ds)
    return (
      <DatasetBrowser
        key={dataset.ds.root + dataset.ds.seed + dataset.ds.valFraction}
        id={id}
        width={width}
        height={height}
        focused={focused}
        ds={dataset.ds}
        held={held}
      />
    );
  return <DatasetChooser id={id} width={width} height={height} focused={focused} downloading={downloading} held={held} />;
}

function DatasetBrowser({ id, width, height, focused, ds, held }: PaneProps & { ds: Dataset; held: HeldKeys }) {
  const store = useStore();
  const controller = useController();
  const [view, setView, viewNow] = useLiveState<View>({ name: 'classes' });
  const [classCursor, setClassCursor, classNow] = useLiveState(0);
  const [imageCursor, setImageCursor, imageNow] = useLiveState(0);
  const [skipCursor, setSkipCursor, skipNow] = useLiveState(0);
  const [filter, setFilter, filterNow] = useLiveState({ editing: false, text: '' });
  const rows = useMemo(() => classRows(ds), [ds]);
  const neighbours = useWorkbench((s) => s.neighbours);
  const hasTest = rows.some((r) => r.test > 0);
  const imagesOf = useMemo(() => {
    const byClass = new Map<number, Dataset['items']>();
    return (cls: number) => {
      if (!byClass.has(cls))
        byClass.set(
          cls,
          ds.items.filter((it) => it.label === cls),
        );
      return byClass.get(cls)!;
    };
  }, [ds]);
  // what the lists hold for a view and filter: the render draws it, a key handler reads it for the
  // state the previous key left (React may not have drawn that yet)
  const lists = (v: View, f: { text: string }, imageAt: number) => {
    const match = (name: string) => !f.text || name.toLowerCase().includes(f.text.toLowerCase());
    const classEntries = [
      ...rows.filter((r) => match(r.name)).map((r) => ({ kind: 'class' as const, row: r })),
      ...(ds.skipped.length && !f.text ? [{ kind: 'skipped' as const }] : []),
    ];
    const shownImages = v.name === 'images' ? imagesOf(v.cls).filter((it) => match(path.basename(it.file))) : [];
    const selected = v.name === 'images' ? shownImages[Math.min(imageAt, shownImages.length - 1)] : undefined;
    return { classEntries, shownImages, selected };
  };
  const { classEntries, shownImages, selected } = lists(view, filter, imageCursor);
  const cls = view.name === 'images' ? view.cls : -1;

  // the selected image is what alt+p predicts (and what the Activations pane shows)
  useEffect(() => {
    if (selected) {
      const sel = { file: selected.file, label: ds.classes[selected.label] };
      // it is also the picture the Activations pane shows
      store.update((s) => (s.selection?.file === selected.file ? s : { ...s, selection: sel, inspect: sel }));
    }
  }, [selected?.file, store, ds, selected]);

  const listHeight = Math.max(1, height - 2);
  usePaneKeys(
    id,
    (e: PaneKeyEvent) => {
      const filter = filterNow.current;
      const view = viewNow.current;
      if (filter.editing) {
        if (e.stroke.key === 'escape') setFilter({ editing: false, text: '' });
        else if (e.stroke.key === 'enter') setFilter({ ...filter, editing: false });
        else {
          const { key } = e.stroke;
          if (key === 'backspace' && !filter.text) setFilter({ editing: false, text: '' });
          else if (key === 'down' || key === 'up') return handleList(e);
          else {
            const next = e.stroke.ctrl || e.stroke.alt ? undefined : key === 'backspace' ? filter.text.slice(0, -1) : e.input.replace(/[\x00-\x1f\x7f]/g, '');
            if (next !== undefined) {
              setFilter({ editing: true, text: key === 'backspace' ? next : filter.text + next });
              setClassCursor(0);
              setImageCursor(0);
            }
          }
        }
        return true;
      }
      if (view.name === 'neighbours') return neighbourKeys(e, view);
      if (e.action === 'neighbours' && view.name !== 'skipped') {
        const picture = view.name === 'images' ? lists(view, filter, imageNow.current).selected : undefined;
        const why = isPaneActionEnabled('neighbours', { state: store.get(), picture: picture?.file });
        if (why !== true) store.flash(why, 'warn');
        else if (picture && view.name === 'images') {
          setView({ name: 'neighbours', cls: view.cls, file: picture.file, pos: 0 });
          void controller.showNeighbours(picture.file, ds.classes[picture.label]);
        }
        return true;
      }
      if (e.action === 'filter') {
        if (view.name === 'skipped') return false;
        setFilter({ editing: true, text: filter.text });
        return true;
      }
      if (e.action === 'back') {
        if (filter.text) setFilter({ editing: false, text: '' });
        else if (view.name !== 'classes') setView({ name: 'classes' });
        else return false;
        return true;
      }
      return handleList(e);
    },
    {
      capturesText: filter.editing,
      hints: filter.editing
        ? ['type to filter', 'enter keep', 'esc clear']
        : view.name === 'classes'
          ? ['j/k move', 'enter open', '/ filter']
          : view.name === 'images'
            ? ['j/k image', 'n nearest', '/ filter', 'esc classes']
            : view.name === 'neighbours'
              ? ['j/k neighbour', 'enter select it', 'n its nearest', 'esc back']
              : ['j/k move', 'esc back'],
    },
  );
  // the keys that waited for the list, in order (the handler reads live state, so one after another is right)
  const registry = usePaneKeyRegistry();
  useLayoutEffect(() => {
    for (const e of held.current.splice(0)) registry.get(id)?.handler(e);
  }, [registry, id, held]);

  /** j/k among the neighbours, enter selects one in its class's list, n shows its own nearest, esc goes back. */
  function neighbourKeys(e: PaneKeyEvent, view: Extract<View, { name: 'neighbours' }>): boolean {
    const nb = store.get().neighbours;
    const list = (nb?.file === view.file && nb.list) || [];
    const cur = list[view.pos];
    const act = e.action === 'right' ? 'down' : e.action === 'left' ? 'up' : e.action;
    const moved = moveCursor(act, view.pos, list.length, Math.max(1, listHeight - 1));
    if (moved !== undefined) setView({ ...view, pos: moved });
    else if (act === 'back') setView({ name: 'images', cls: view.cls });
    else if (act === 'select' && cur) {
      const cls = ds.classes.indexOf(cur.label);
      setFilter({ editing: false, text: '' });
      setView({ name: 'images', cls });
      setImageCursor(
        Math.max(
          0,
          imagesOf(cls).findIndex((it) => it.file === cur.file),
        ),
      );
      store.flash(`${path.basename(cur.file)} (${cur.label}) selected: alt+p predicts it`);
    } else if (act === 'neighbours' && cur) {
      setView({ ...view, file: cur.file, pos: 0 });
      void controller.showNeighbours(cur.file, cur.label);
    } else return act === 'select' || act === 'neighbours';
    return true;
  }

  function handleList(e: PaneKeyEvent): boolean {
    const page = Math.max(1, listHeight - 1);
    const [view, classCursor, imageCursor, skipCursor] = [viewNow.current, classNow.current, imageNow.current, skipNow.current];
    const { classEntries, shownImages, selected } = lists(view, filterNow.current, imageCursor);
    if (view.name === 'classes') {
      const c = Math.min(classCursor, classEntries.length - 1);
      const moved = moveCursor(e.action, c, classEntries.length, page);
      if (moved !== undefined) {
        setClassCursor(moved);
        return true;
      }
      if (e.action === 'select') {
        const entry = classEntries[c];
        if (!entry) return true;
        if (entry.kind === 'skipped') setView({ name: 'skipped' });
        else {
          setView({ name: 'images', cls: entry.row.index });
          setImageCursor(0);
        }
        setFilter({ editing: false, text: '' });
        return true;
      }
      return false;
    }
    if (view.name === 'images') {
      const moved = moveCursor(e.action, Math.min(imageCursor, shownImages.length - 1), shownImages.length, page);
      if (moved !== undefined) {
        setImageCursor(moved);
        return true;
      }
      if (e.action === 'select') {
        if (selected) store.flash(`${path.basename(selected.file)} selected: alt+p predicts it`);
        return true;
      }
      return false;
    }
    const moved = moveCursor(e.action, skipCursor, ds.skipped.length, page);
    if (moved !== undefined) {
      setSkipCursor(moved);
      return true;
    }
    return false;
  }

  const tot = rows.reduce((a, r) => ({ train: a.train + r.train, val: a.val + r.val, test: a.test + r.test }), { train: 0, val: 0, test: 0 });
  const filterLine = filter.editing || filter.text ? `/${filter.text}${filter.editing ? '▏' : ''}` : '';

  if (view.name === 'classes') {
    const nameW = Math.max(6, width - (hasTest ? 21 : 14) - 1);
    const numW = 6;
    const header = fit('class', nameW) + fit('train', numW, 'right') + fit('val', numW, 'right') + (hasTest ? fit('test', numW, 'right') : '') + ' ';
    const list: Row[] = classEntries.map((e) =>
      e.kind === 'class'
        ? {
            text:
              fit(e.row.name, nameW) +
              fit(String(e.row.train), numW, 'right') +
              fit(String(e.row.val), numW, 'right') +
              (hasTest ? fit(String(e.row.test), numW, 'right') : ''),
          }
        : { text: `skipped files (${ds.skipped.length}) →`, color: 'yellow' },
    );
    const summary = `${ds.classes.length} classes · ${tot.train} train / ${tot.val} val${hasTest ? ` / ${tot.test} test` : ''}${ds.skipped.length ? ` · ${ds.skipped.length} skipped` : ''}`;
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text wrap="truncate" color={filterLine ? 'cyan' : undefined} dimColor={!filterLine}>
          {fit(filterLine || summary, width)}
        </Text>
        <Text bold wrap="truncate">
          {fit(header, width)}
        </Text>
        {list.length ? (
          <ListView rows={list} selected={Math.min(classCursor, list.length - 1)} width={width} height={listHeight} focused={focused} />
        ) : (
          <Text dimColor>{fit('no class matches', width)}</Text>
        )}
      </Box>
    );
  }

  if (view.name === 'skipped') {
    const list: Row[] = ds.skipped.map((s) => ({ text: `${path.basename(s.file)}: ${s.reason}`, color: 'yellow' }));
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text bold wrap="truncate">
          {fit(`skipped files (${ds.skipped.length}) — esc back`, width)}
        </Text>
        <ListView rows={list} selected={Math.min(skipCursor, list.length - 1)} width={width} height={height - 1} focused={focused} />
      </Box>
    );
  }

  if (view.name === 'neighbours')
    return <NeighboursView nb={neighbours?.file === view.file ? neighbours : undefined} pos={view.pos} width={width} height={height} />;

  return (
    <ClassImages
      width={width}
      height={height}
      focused={focused}
      ds={ds}
      cls={cls}
      images={shownImages}
      cursor={Math.min(imageCursor, shownImages.length - 1)}
      filterLine={filterLine}
    />
  );
}

/** A class's images: the list beside (or above) the selected picture with its name and label. */
function ClassImages({
  width,
  height,
  focused,
  ds,
  cls,
  images,
  cursor,
  filterLine,
}: {
  width: number;
  height: number;
  focused: boolean;
  ds: Dataset;
  cls: number;
  images: Dataset['items'];
  cursor: number;
  filterLine: string;
}) {
  const side = width >= 44;
  const listW = side ? Math.min(32, Math.max(16, Math.floor(width * 0.38))) : width;
  const imgW = side ? width - listW - 1 : width;
  const listH = side ? height - 1 : Math.max(1, Math.min(images.length, Math.floor((height - 1) / 3)));
  const imgH = side ? height - 1 : height - 1 - listH;
  const sel = images[cursor];
  const rows: Row[] = images.map((it) => ({
    text: `${it.split === 'val' ? 'v' : it.split === 'test' ? 's' : ' '} ${path.basename(it.file)}`,
    dim: it.split !== 'train',
  }));
  const head = filterLine || `${ds.classes[cls]} · ${images.length} image${images.length === 1 ? '' : 's'} (v = val)`;
  const list = rows.length ? (
    <ListView rows={rows} selected={cursor} width={listW} height={listH} focused={focused} />
  ) : (
    <Text dimColor>{fit('no image matches', listW)}</Text>
  );
  const picture = (
    <ImageBox file={sel?.file} caption={sel ? `${path.basename(sel.file)} — ${ds.classes[sel.label]} (${sel.split})` : ''} width={imgW} height={imgH} />
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate" color={filterLine ? 'cyan' : undefined}>
        {fit(head, width)}
      </Text>
      {side ? (
        <Box flexDirection="row" height={height - 1}>
          <Box width={listW} flexShrink={0}>
            {list}
          </Box>
          <Box width={1} flexShrink={0} />
          {picture}
        </Box>
      ) : (
        <Box flexDirection="column">
          {list}
          {picture}
        </Box>
      )}
    </Box>
  );
}
