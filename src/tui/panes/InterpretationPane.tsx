/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Interpretation pane (filled by alt+e): where the model goes wrong. The confusion matrix as a
 * coloured grid — rows the true class, columns the predicted one, classes numbered and their names
 * abbreviated so 37 classes stay readable, the grid scrolls under a cursor (h/j/k/l) whose cell is
 * spelled out in full; the most-confused pairs; the top losses (image, true and predicted class,
 * loss, probability). Tab moves between the three; enter on a top loss opens it in Predictions with
 * its Grad-CAM, enter on a pair puts the grid's cursor on it.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { pct } from '../../text/format.js';
import type { Interpretation } from '../../core/explain/interpretation.js';
import { isEnabled } from '../actions.js';
import { ListView, type Row } from '../components/ListView.js';
import { fit, stringWidth } from '../components/text.js';
import { useController, useLayout, useScreen, useStore, useWorkbench } from '../contexts.js';
import { useLiveState } from '../hooks/live-state.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { useReveal } from '../hooks/reveal.js';
import { revealKind } from '../layout/place.js';
import { focusPane } from '../layout/tree.js';
import { moveCursor } from './DatasetPane.js';
import type { PaneProps } from './registry.js';

type Section = 'grid' | 'pairs' | 'losses';
const SECTIONS: Section[] = ['grid', 'pairs', 'losses'];
const SECTION_TITLE: Record<Section, string> = { grid: 'confusion', pairs: 'most confused', losses: 'top losses' };

/**
 * A class name in at most `width` cells, still recognisable: whole when it fits, else every word
 * but the last cut to two letters ("am_bulldog"), then to one, then cut at the end.
 */
export function abbreviate(name: string, width: number): string {
  if (stringWidth(name) <= width) return name;
  const words = name.split(/[_\s-]+/).filter(Boolean);
  if (words.length > 1) {
    for (const keep of [2, 1]) {
      const short = [...words.slice(0, -1).map((w) => w.slice(0, keep)), words.at(-1)!].join('_');
      if (short.length <= width) return short;
    }
    return fit([...words.slice(0, -1).map((w) => w[0]), words.at(-1)!].join('_'), width).trimEnd();
  }
  return fit(name, width).trimEnd();
}

const RESET = '\x1b[0m';
const bg = (r: number, g: number, b: number) => `\x1b[48;2;${r};${g};${b}m`;

/** Background of a cell: green on the diagonal, red off it, stronger with the row's share; none for 0. */
export function cellColor(count: number, rowTotal: number, diagonal: boolean): [number, number, number] | undefined {
  if (!count) return undefined;
  const f = Math.max(0.15, Math.min(1, count / Math.max(1, rowTotal)));
  return diagonal
    ? [Math.round(20 + 10 * f), Math.round(60 + 120 * f), Math.round(30 + 20 * f)]
    : [Math.round(70 + 150 * f), Math.round(25 + 15 * f), Math.round(25 + 15 * f)];
}

/** The grid's lines (raw, with colours) for a window of rows and columns; the cursor's cell inverted. */
function gridLines(it: Interpretation, width: number, height: number, cur: { r: number; c: number }, focused: boolean): string[] {
  const k = it.classes.length;
  const maxCount = Math.max(0, ...it.confusion.flat());
  const cw = Math.max(3, String(maxCount).length + 1, String(k).length + 1);
  const idxW = String(k).length;
  const nameW = Math.max(4, Math.min(14, width - idxW - 2 - cw * 2));
  const labelW = idxW + 1 + nameW + 1;
  const visCols = Math.max(1, Math.floor((width - labelW) / cw));
  const visRows = Math.max(1, height - 1);
  const c0 = Math.max(0, Math.min(cur.c - Math.floor(visCols / 2), k - visCols));
  const r0 = Math.max(0, Math.min(cur.r - Math.floor(visRows / 2), k - visRows));
  const cols = Array.from({ length: Math.min(visCols, k) }, (_, i) => c0 + i);
  const inv = (on: boolean, s: string) => (on ? `\x1b[7m${s}\x1b[27m` : s);
  const head =
    fit(c0 > 0 ? '←' : '', labelW) + cols.map((c) => inv(c === cur.c && focused, fit(String(c + 1), cw, 'right'))).join('') + (c0 + visCols < k ? '→' : '');
  const lines = [head];
  for (let r = r0; r < Math.min(k, r0 + visRows); r++) {
    const row = it.confusion[r];
    const total = row.reduce((a, b) => a + b, 0);
    let line = inv(r === cur.r && focused, `${fit(String(r + 1), idxW, 'right')} ${fit(abbreviate(it.classes[r], nameW), nameW)} `);
    for (const c of cols) {
      const n = row[c];
      const color = cellColor(n, total, r === c);
      const text = fit(n ? String(n) : '·', cw, 'right');
      const cell = r === cur.r && c === cur.c ? `\x1b[7m${text}\x1b[27m` : text;
      line += color ? `${bg(...color)}${cell}${RESET}` : `\x1b[2m${cell}\x1b[22m`;
    }
    lines.push(line);
  }
  return lines;
}

export function InterpretationPane({ id, width, height, focused }: PaneProps) {
  const it = useWorkbench((s) => s.interpretation);
  const hasModel = useWorkbench((s) => s.model !== undefined);
  const evaluating = useWorkbench((s) => s.task?.kind === 'evaluate');
  const store = useStore();
  const controller = useController();
  const { layout, setLayout } = useLayout();
  const reveal = useReveal();
  const hasReview = useWorkbench((s) => s.review !== undefined);
  const { columns, rows } = useScreen();
  const [section, setSection, sectionNow] = useLiveState<Section>('grid');
  const [cur, setCur, curNow] = useLiveState({ r: 0, c: 0 });
  const [pair, setPair, pairNow] = useLiveState(0);
  const [loss, setLoss, lossNow] = useLiveState(0);
  // enter on a grid cell: the pictures behind it (true → predicted), j/k, enter opens one, esc back
  const [cell, setCell, cellNow] = useLiveState<{ r: number; c: number; sel: number } | undefined>(undefined);
  const cellPics = (c: { r: number; c: number }) => (it?.pictures ?? []).filter((l) => l.actual === it!.classes[c.r] && l.predicted === it!.classes[c.c]);

  const k = it?.classes.length ?? 0;
  const wide = width >= 90 && height >= Math.min(k, 12) + 14;
  const bodyH = Math.max(1, height - 1);
  const gridH = wide ? Math.max(4, Math.min(k + 1, bodyH - 8)) : bodyH;
  const listH = wide ? Math.max(1, bodyH - gridH - 2) : bodyH - 1;

  const openLoss = (i: number, l = it?.topLosses[i]) => {
    if (!l) return;
    const why = isEnabled('predict', { state: { ...store.get(), selection: { file: l.file, label: l.actual } }, layout });
    if (why !== true) {
      store.flash(why, 'warn');
      return;
    }
    store.update((s) => ({ ...s, gradCam: { on: true, className: undefined } }));
    const r = reveal('predictions');
    void controller.predict(l.file);
    store.flash(`${path.basename(l.file)} opened in pane ${r.number} (Predictions) with its Grad-CAM`);
  };

  /** r: the Review pane, focused (its keys come next); a review runs unless one is there already. */
  const openReview = () => {
    const why = hasReview ? true : isEnabled('review', { state: store.get(), layout });
    if (why !== true) {
      store.flash(why, 'warn');
      return;
    }
    const r = revealKind(layout, 'review', columns, rows - 1);
    setLayout(focusPane(r.layout, r.id));
    if (!hasReview) void controller.review();
  };

  usePaneKeys(
    id,
    (e) => {
      if (e.action === 'openReview' || e.actions?.includes('openReview')) {
        openReview();
        return true;
      }
      // what the previous key left, even before React has drawn it
      const [section, cur, pair, loss] = [sectionNow.current, curNow.current, pairNow.current, lossNow.current];
      if (!it) {
        if (e.action === 'select' || e.action === 'section')
          store.flash(
            hasModel
              ? 'interpretation: nothing evaluated yet — alt+e evaluates the model'
              : 'interpretation: no trained model yet — alt+t trains one, then alt+e',
            'warn',
          );
        return e.action === 'select' || e.action === 'section';
      }
      if (e.action === 'section') {
        setSection(SECTIONS[(SECTIONS.indexOf(section) + 1) % SECTIONS.length]);
        return true;
      }
      const open = cellNow.current;
      if (section === 'grid' && open) {
        const pics = cellPics(open);
        const sel = moveCursor(e.action, open.sel, pics.length, Math.max(1, bodyH - 3));
        if (sel !== undefined) setCell({ ...open, sel });
        else if (e.action === 'back') setCell(undefined);
        else if (e.action === 'select') openLoss(open.sel, pics[open.sel]);
        else return false;
        return true;
      }
      if (section === 'grid') {
        const move = (dr: number, dc: number) => setCur({ r: Math.max(0, Math.min(k - 1, cur.r + dr)), c: Math.max(0, Math.min(k - 1, cur.c + dc)) });
        const page = Math.max(1, gridH - 2);
        const deltas: Record<string, [number, number]> = { down: [1, 0], up: [-1, 0], right: [0, 1], left: [0, -1], pageDown: [page, 0], pageUp: [-page, 0] };
        const d = e.action ? deltas[e.action] : undefined;
        if (d) {
          move(d[0], d[1]);
          return true;
        }
        switch (e.action) {
          case 'select': {
            const n = it.confusion[cur.r][cur.c];
            if (n && it.pictures) setCell({ ...cur, sel: 0 });
            else
              store.flash(
                `${it.classes[cur.r]} → ${it.classes[cur.c]}: ${n} image${n === 1 ? '' : 's'}${cur.r === cur.c ? ' right' : ''}${n ? '' : ' — nothing to list'}`,
              );
            return true;
          }
        }
        return false;
      }
      const list = section === 'pairs' ? it.mostConfused : it.topLosses;
      const at = section === 'pairs' ? pair : loss;
      const moved = moveCursor(e.action, at, list.length, Math.max(1, listH - 1));
      if (moved !== undefined) {
        (section === 'pairs' ? setPair : setLoss)(moved);
        return true;
      }
      if (e.action === 'select') {
        if (section === 'losses') openLoss(loss);
        else {
          const p = it.mostConfused[pair];
          if (p) {
            setCur({ r: it.classes.indexOf(p.actual), c: it.classes.indexOf(p.predicted) });
            setSection('grid');
          }
        }
        return true;
      }
      return false;
    },
    {
      hints: [
        ...(!it
          ? ['alt+e evaluate']
          : section === 'grid' && cell
            ? ['esc grid', 'j/k', 'enter open + Grad-CAM']
            : section === 'grid'
              ? ['hjkl cell', 'tab pairs/losses', 'enter pictures']
              : section === 'losses'
                ? ['j/k loss', 'enter open + Grad-CAM', 'tab']
                : ['j/k pair', 'enter show in grid', 'tab']),
        'r review',
      ],
    },
  );

  if (!it) {
    return (
      <Box width={width} height={height}>
        <Text dimColor wrap="wrap">
          {evaluating
            ? 'evaluating…'
            : hasModel
              ? 'No evaluation yet: alt+e evaluates the model on the validation images — the confusion matrix, the most-confused pairs and the top losses appear here.'
              : 'No trained model yet: alt+t trains one, then alt+e evaluates it — the confusion matrix, the most-confused pairs and the top losses appear here.'}
        </Text>
      </Box>
    );
  }

  const tabs = SECTIONS.map((s) => (s === section ? `[${SECTION_TITLE[s]}]` : ` ${SECTION_TITLE[s]} `)).join(' ');
  const summary = `${it.split} · ${it.n} images · accuracy ${pct(it.accuracy, 1)}`;
  // narrow: the section shown, then the numbers (tab moves on)
  const head =
    stringWidth(`${summary}  ${tabs}`) <= width ? `${summary}  ${tabs}` : `[${SECTION_TITLE[section]}] ${it.split} ${pct(it.accuracy, 1)} of ${it.n} · tab`;
  const cellInfo = (() => {
    const n = it.confusion[cur.r]?.[cur.c] ?? 0;
    const total = it.confusion[cur.r]?.reduce((a, b) => a + b, 0) ?? 0;
    return `${it.classes[cur.r]} → ${it.classes[cur.c]}: ${n}/${total}${total ? ` (${pct(n / total, 0)})` : ''}${cur.r === cur.c ? ' right' : ''} · rows true, columns predicted`;
  })();

  const grid = (h: number, active: boolean) => (
    <Box flexDirection="column" width={width} height={h} flexShrink={0}>
      {gridLines(it, width, h - 1, cur, active && focused).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text wrap="truncate" color={active ? 'cyan' : undefined} dimColor={!active}>
        {fit(cellInfo, width)}
      </Text>
    </Box>
  );
  const pairRows: Row[] = it.mostConfused.map((p) => ({ text: `${p.actual} → ${p.predicted}  ${p.count} (${pct(p.fraction, 0)})` }));
  const lossRows = (w: number): Row[] => {
    const nameW = Math.max(8, Math.min(28, Math.floor(w * 0.3)));
    const midW = Math.max(6, Math.min(44, w - nameW - 22));
    return it.topLosses.map((l) => ({
      text: `${fit(path.basename(l.file), nameW)} ${fit(`${l.actual} → ${l.predicted}`, midW)} loss ${l.loss.toFixed(2).padStart(5)} p ${pct(l.probability, 0).padStart(4)}`,
      color: l.predicted === l.actual ? 'green' : undefined,
    }));
  };
  const listBox = (s: 'pairs' | 'losses', w: number, h: number) => {
    const rows = s === 'pairs' ? pairRows : lossRows(w);
    const header = s === 'pairs' ? 'true → predicted  count (share of the true class)' : 'image · true → predicted · loss · p(predicted)';
    return (
      <Box flexDirection="column" width={w} height={h + 1} flexShrink={0}>
        <Text bold={section === s} color={section === s ? 'cyan' : undefined} dimColor={section !== s} wrap="truncate">
          {fit(`${SECTION_TITLE[s]}: ${header}`, w)}
        </Text>
        {rows.length ? (
          <ListView rows={rows} selected={s === 'pairs' ? pair : loss} width={w} height={h} focused={focused && section === s} />
        ) : (
          <Text dimColor>{fit(s === 'pairs' ? 'no confusions' : 'none', w)}</Text>
        )}
      </Box>
    );
  };
  let body;
  if (wide) {
    const leftW = Math.floor((width - 1) * 0.4);
    body = (
      <>
        {grid(gridH, section === 'grid')}
        <Box flexDirection="row" height={listH + 1} flexShrink={0}>
          {listBox('pairs', leftW, listH)}
          <Box width={1} flexShrink={0} />
          {listBox('losses', width - leftW - 1, listH)}
        </Box>
      </>
    );
  } else body = section === 'grid' ? grid(bodyH, true) : listBox(section, width, listH);
  if (section === 'grid' && cell) {
    const pics = cellPics(cell);
    const nameW = Math.max(8, Math.min(40, width - 24));
    const rows: Row[] = pics.map((l) => ({
      text: `${fit(path.basename(l.file), nameW)} p ${pct(l.probability, 0).padStart(4)}  loss ${l.loss.toFixed(2).padStart(5)}`,
      color: l.predicted === l.actual ? 'green' : undefined,
    }));
    body = (
      <Box flexDirection="column" width={width} height={bodyH} flexShrink={0}>
        <Text bold color="cyan" wrap="truncate">
          {fit(`${it.classes[cell.r]} → ${it.classes[cell.c]}: ${pics.length} picture${pics.length === 1 ? '' : 's'} · enter opens one · esc back`, width)}
        </Text>
        <ListView rows={rows} selected={Math.min(cell.sel, Math.max(0, rows.length - 1))} width={width} height={Math.max(1, bodyH - 1)} focused={focused} />
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {fit(head, width)}
      </Text>
      {body}
    </Box>
  );
}
