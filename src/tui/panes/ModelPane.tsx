/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Model stack pane: the network as a stack, the new head on top and the input at the bottom, one
 * row a layer: name, type, output shape, parameters, and what trains it: the head is "trainable"
 * (alt+t trains it), every backbone layer with weights "frozen" (alt+t leaves it as it is), and
 * "frozen ft" marks those fine-tuning (alt+f) would train too; a legend says so, totals at the foot.
 * j/k pick the layer the Activations pane shows (enter opens that pane); u, + and - set what
 * fine-tuning unfreezes, and the ft marks follow.
 */
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import { ListView, type Row } from '../components/ListView.js';
import { compactCount, fit, fitTail, shapeText } from '../components/text.js';
import { TextField, useTextField } from '../components/TextField.js';
import { useController, useLayout, useStore, useWorkbench } from '../contexts.js';
import { isEnabled } from '../actions.js';
import { useReveal } from '../hooks/reveal.js';
import { useLiveState } from '../hooks/live-state.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { PaneProps } from './registry.js';
import { moveCursor } from './DatasetPane.js';

export interface StackRow {
  name: string;
  type: string;
  shape: string;
  params: number;
  /** 'trainable' for the new head (what alt+t trains), 'frozen' for backbone layers with weights, '' for none */
  status: 'trainable' | 'frozen' | '';
  /** a frozen layer that fine-tuning (alt+f) would train, by the unfreeze setting */
  fineTune?: boolean;
  part: 'head' | 'backbone';
  /** the Activations pane can show this layer's output */
  inspectable: boolean;
}

/** The head petlab trains: optional hidden Dense(relu), then Dense(classes) giving logits. */
export function headRows(dim: number, classes: number, hidden: number): StackRow[] {
  const rows: StackRow[] = [];
  if (hidden > 0)
    rows.push({
      name: 'head_hidden',
      type: 'Dense relu',
      shape: `?×${hidden}`,
      params: dim * hidden + hidden,
      status: 'trainable',
      part: 'head',
      inspectable: true,
    });
  const inDim = hidden > 0 ? hidden : dim;
  rows.push({
    name: 'head_logits',
    type: 'Dense',
    shape: `?×${classes}`,
    params: inDim * classes + classes,
    status: 'trainable',
    part: 'head',
    inspectable: true,
  });
  return rows.reverse(); // top of the stack first
}

/** Backbone layers from the embedding (top) down to the input (bottom); `unfrozen` train when fine-tuning. */
export function backboneRows(layers: LayerRow[], unfrozen: ReadonlySet<string> = new Set()): StackRow[] {
  return [...layers].reverse().map((l) => ({
    name: l.name,
    type: l.type,
    shape: shapeText(l.outputShape),
    params: l.params,
    status: l.params > 0 ? 'frozen' : '',
    fineTune: l.params > 0 && unfrozen.has(l.name),
    part: 'backbone',
    inspectable: l.inspectable,
  }));
}

/**
 * A row formatter for a given width: name | type | output | params | weights, one space apart. Narrow
 * panes drop the output shape, then the type; long layer names keep their distinctive end.
 */
export function stackLine(width: number): (r: { name: string; type: string; shape: string; params: string; status: string }, header?: boolean) => string {
  const statusW = 9;
  const paramsW = 7;
  let shapeW = 13;
  let typeW = 16;
  const nameW = () => width - statusW - paramsW - (shapeW ? shapeW + 1 : 0) - (typeW ? typeW + 1 : 0) - 2;
  if (nameW() < 14) shapeW = 0;
  if (nameW() < 14) typeW = 11;
  if (nameW() < 12) typeW = 0;
  const nw = Math.max(4, nameW());
  return (r, header = false) =>
    [
      header ? fit(r.name, nw) : fitTail(r.name, nw),
      typeW ? fit(r.type, typeW) : null,
      shapeW ? fit(r.shape, shapeW) : null,
      fit(r.params, paramsW, 'right'),
      fit(r.status, statusW),
    ]
      .filter((x) => x !== null)
      .join(' ');
}

export function ModelPane({ id, width, height, focused }: PaneProps) {
  const backbone = useWorkbench((s) => s.backbone);
  const tf = useWorkbench((s) => s.tf);
  const classes = useWorkbench((s) => s.model?.classes.length ?? s.dataset.ds?.classes.length);
  const hidden = useWorkbench((s) => s.model?.hiddenUnits ?? (s.trainFlags.hidden !== undefined ? Number(s.trainFlags.hidden) : undefined));
  const trained = useWorkbench((s) => s.model !== undefined);
  const unfreeze = useWorkbench((s) => s.unfreeze);
  const fineTuning = useWorkbench((s) => s.task?.kind === 'fine-tune');
  const picked = useWorkbench((s) => s.layer);
  const store = useStore();
  const { layout } = useLayout();
  const controller = useController();
  const reveal = useReveal();
  const [typing, setTyping, typingNow] = useLiveState(false);
  const field = useTextField({
    initial: '',
    onSubmit: (v) => {
      setTyping(false);
      if (v) void controller.setUnfreeze(v);
    },
    onCancel: () => setTyping(false),
  });
  const view = backbone.view;
  const unfrozen = useMemo(() => new Set(unfreeze.plan?.trainableLayers ?? []), [unfreeze.plan]);
  const rows: StackRow[] = useMemo(
    () => (view ? [...headRows(view.dim, classes ?? 0, hidden ?? 0), ...backboneRows(view.layers, unfrozen)] : []),
    [view, classes, hidden, unfrozen],
  );
  const listH = Math.max(1, height - 5 - (typing ? 1 : 0));
  // a pane drawn again (a split, a zoom) starts on the layer the Activations pane shows
  const [cursor, setCursor, cursorNow] = useLiveState(() =>
    Math.max(
      0,
      rows.findIndex((r) => r.name === picked?.name && r.part === picked?.part),
    ),
  );

  /** The row under the cursor becomes the layer the Activations pane shows. */
  const pick = (i: number) => {
    const r = rows[i];
    if (r) store.update((s) => (s.layer?.name === r.name && s.layer.part === r.part ? s : { ...s, layer: { name: r.name, part: r.part } }));
  };
  usePaneKeys(
    id,
    (e) => {
      // what the previous key left, even before React has drawn it
      const [typing, cursor] = [typingNow.current, cursorNow.current];
      if (typing) return field.handle(e);
      const moved = moveCursor(e.action, cursor, rows.length, listH - 1);
      if (moved !== undefined) {
        setCursor(moved);
        pick(moved);
        return true;
      }
      const changeBlocked = !view
        ? 'unfreeze: the backbone is still loading…'
        : fineTuning
          ? 'unfreeze: fine-tuning is running — change it between phases'
          : undefined;
      switch (e.action) {
        case 'select': {
          if (!rows.length) return true;
          pick(cursor);
          const r = reveal('activations');
          store.flash(`${rows[cursor].name}: its feature maps are in pane ${r.number} (Activations)`);
          return true;
        }
        case 'unfreeze':
          if (changeBlocked) store.flash(changeBlocked, 'warn');
          else {
            field.set('');
            setTyping(true);
          }
          return true;
        case 'export': {
          const why = isEnabled('export', { state: store.get(), layout });
          if (why !== true) store.flash(why, 'warn');
          else void controller.exportModel('onnx');
          return true;
        }
        case 'unfreezeMore':
        case 'unfreezeLess':
          if (changeBlocked) store.flash(changeBlocked, 'warn');
          else void controller.stepUnfreeze(e.action === 'unfreezeMore' ? 1 : -1);
          return true;
      }
      return false;
    },
    { capturesText: typing, hints: typing ? ['3 / 30% / all / 0', 'enter set', 'esc cancel'] : ['j/k layer', 'enter maps', 'u +/- unfreeze', 'o export'] },
  );

  if (!view) {
    const msg =
      tf.status === 'starting'
        ? 'starting TensorFlow…'
        : tf.status === 'failed'
          ? `TensorFlow did not start: ${tf.error ?? ''}`
          : backbone.status === 'failed'
            ? `backbone ${backbone.ref} did not load: ${backbone.error ?? ''}`
            : `loading backbone ${backbone.ref}…`;
    return (
      <Box width={width} height={height}>
        <Text
          color={tf.status === 'failed' || backbone.status === 'failed' ? 'red' : undefined}
          dimColor={tf.status !== 'failed' && backbone.status !== 'failed'}
          wrap="wrap"
        >
          {msg}
        </Text>
      </Box>
    );
  }

  // two cells for the head marker, one for the list's scroll hint
  const line = stackLine(width - 3);
  const list: Row[] = rows.map((r) => ({
    text:
      (r.part === 'head' ? '▲ ' : picked?.name === r.name && picked.part === r.part ? '◆ ' : '  ') +
      line({ name: r.name, type: r.type, shape: r.shape, params: r.params ? compactCount(r.params) : '–', status: r.fineTune ? 'frozen ft' : r.status }),
    color: r.part === 'head' ? (trained ? 'green' : 'cyan') : r.fineTune ? 'yellow' : undefined,
    dim: r.part === 'backbone' && !r.params && !unfrozen.has(r.name),
  }));
  const headParams = rows.filter((r) => r.part === 'head').reduce((a, r) => a + r.params, 0);
  const bbParams = rows.filter((r) => r.part === 'backbone').reduce((a, r) => a + r.params, 0);
  const ftParams = rows.filter((r) => r.part === 'backbone' && r.fineTune).reduce((a, r) => a + r.params, 0);
  const title = `${view.name} · input ${view.inputSize.join('×')} · ${view.dim}-d embedding${classes ? ` → ${classes} classes` : ''}`;
  // the longest wording that fits
  const totals =
    [
      ...(ftParams
        ? [
            `head ${compactCount(headParams)} trainable${trained ? '' : ' (untrained)'} · backbone ${compactCount(ftParams)} to fine-tune, ${compactCount(bbParams - ftParams)} frozen · total ${compactCount(headParams + bbParams)}`,
          ]
        : []),
      `head ${compactCount(headParams)} trainable${trained ? '' : ' (untrained)'} · backbone ${compactCount(bbParams - ftParams)} frozen · total ${compactCount(headParams + bbParams)}`,
      `head ${compactCount(headParams)} trainable · backbone ${compactCount(bbParams - ftParams)} frozen · total ${compactCount(headParams + bbParams)}`,
      `head ${compactCount(headParams)} trainable · backbone ${compactCount(bbParams - ftParams)} frozen`,
    ].find((t) => t.length <= width) ?? `head ${compactCount(headParams)} · total ${compactCount(headParams + bbParams)}`;
  const p = unfreeze.plan;
  const ftLine = unfreeze.error
    ? { text: `unfreeze ${unfreeze.spec}: ${unfreeze.error}`, color: 'red' }
    : !p
      ? { text: `unfreeze ${unfreeze.spec}: ${unfreeze.busy ? 'working out the layers…' : 'shown once the backbone is loaded'}`, color: undefined }
      : p.blocks === 0
        ? { text: 'unfreeze 0: fine-tuning would train nothing (u or + to unfreeze blocks)', color: 'yellow' }
        : {
            text:
              [
                `unfreeze ${unfreeze.spec}: fine-tuning (alt+f) trains the top ${p.blocks}/${p.totalBlocks} blocks, ${compactCount(ftParams)} params (u, +/- change)`,
                `unfreeze ${unfreeze.spec}: top ${p.blocks}/${p.totalBlocks} blocks, ${compactCount(ftParams)} params train in fine-tuning`,
                `unfreeze ${unfreeze.spec}: top ${p.blocks}/${p.totalBlocks} blocks train in fine-tuning`,
              ].find((t) => t.length <= width) ?? `unfreeze ${unfreeze.spec}: top ${p.blocks}/${p.totalBlocks} blocks`,
            color: 'yellow',
          };
  // what the weights column means, in the longest wording that fits
  const legend =
    [
      'trainable: alt+t trains it · frozen: alt+t leaves it · ft: fine-tuning (alt+f) trains it too',
      'trainable: alt+t trains it · frozen: alt+t leaves it · ft: alt+f trains it',
      'trainable: alt+t trains · frozen: kept · ft: alt+f trains',
      'trainable: alt+t · frozen: kept · ft: alt+f too',
      'alt+t trains "trainable" · alt+f also "ft"',
    ].find((t) => t.length <= width) ?? 'alt+t: trainable, alt+f: +ft';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text dimColor wrap="truncate">
        {fit(title, width)}
      </Text>
      <Text bold wrap="truncate">
        {fit('  ' + line({ name: 'layer (top = output)', type: 'type', shape: 'output', params: 'params', status: 'weights' }, true), width)}
      </Text>
      <ListView rows={list} selected={Math.min(cursor, list.length - 1)} width={width} height={listH} focused={focused && !typing} />
      <Box flexGrow={1} />
      {typing && <TextField label="unfreeze (3 blocks, 30%, all, 0): " field={field} width={width} maxCandidates={0} />}
      <Text dimColor wrap="truncate">
        {fit(legend, width)}
      </Text>
      <Text wrap="truncate" color={ftLine.color}>
        {fit(ftLine.text, width)}
      </Text>
      <Text wrap="truncate">{fit(totals, width)}</Text>
    </Box>
  );
}
