/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Model stack pane: the network as a stack, the new head on top and the input at the bottom, one
 * row a layer: name, type, output shape, parameters, frozen or trainable; totals at the foot.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import { ListView, type Row } from '../components/ListView.js';
import { compactCount, fit, fitTail, shapeText } from '../components/text.js';
import { useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { PaneProps } from './registry.js';
import { moveCursor } from './DatasetPane.js';

export interface StackRow {
  name: string;
  type: string;
  shape: string;
  params: number;
  /** 'trainable' for the new head, 'frozen' for backbone layers with weights, '' for none */
  status: 'trainable' | 'frozen' | '';
  part: 'head' | 'backbone';
}

/** The head petlab trains: optional hidden Dense(relu), then Dense(classes) giving logits. */
export function headRows(dim: number, classes: number, hidden: number): StackRow[] {
  const rows: StackRow[] = [];
  if (hidden > 0) rows.push({ name: 'head_hidden', type: 'Dense relu', shape: `?×${hidden}`, params: dim * hidden + hidden, status: 'trainable', part: 'head' });
  const inDim = hidden > 0 ? hidden : dim;
  rows.push({ name: 'head_logits', type: 'Dense', shape: `?×${classes}`, params: inDim * classes + classes, status: 'trainable', part: 'head' });
  return rows.reverse(); // top of the stack first
}

/** Backbone layers from the embedding (top) down to the input (bottom). */
export function backboneRows(layers: LayerRow[]): StackRow[] {
  return [...layers].reverse().map((l) => ({ name: l.name, type: l.type, shape: shapeText(l.outputShape), params: l.params, status: l.params > 0 ? 'frozen' : '', part: 'backbone' }));
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
    [header ? fit(r.name, nw) : fitTail(r.name, nw), typeW ? fit(r.type, typeW) : null, shapeW ? fit(r.shape, shapeW) : null, fit(r.params, paramsW, 'right'), fit(r.status, statusW)].filter((x) => x !== null).join(' ');
}

export function ModelPane({ id, width, height, focused }: PaneProps) {
  const backbone = useWorkbench((s) => s.backbone);
  const tf = useWorkbench((s) => s.tf);
  const classes = useWorkbench((s) => s.model?.classes.length ?? s.dataset.ds?.classes.length);
  const hidden = useWorkbench((s) => s.model?.hiddenUnits ?? (s.trainFlags.hidden !== undefined ? Number(s.trainFlags.hidden) : undefined));
  const trained = useWorkbench((s) => s.model !== undefined);
  const [cursor, setCursor] = useState(0);
  const view = backbone.view;
  const rows: StackRow[] = view ? [...headRows(view.dim, classes ?? 0, hidden ?? 0), ...backboneRows(view.layers)] : [];
  const listH = Math.max(1, height - 3);
  usePaneKeys(
    id,
    (e) => {
      const moved = moveCursor(e.action, cursor, rows.length, listH - 1);
      if (moved !== undefined) {
        setCursor(moved);
        return true;
      }
      if (e.action === 'select') return true;
      return false;
    },
    { hints: ['j/k move'] },
  );

  if (!view) {
    const msg =
      tf.status === 'starting' ? 'starting TensorFlow…' : tf.status === 'failed' ? `TensorFlow did not start: ${tf.error ?? ''}` : backbone.status === 'failed' ? `backbone ${backbone.ref} did not load: ${backbone.error ?? ''}` : `loading backbone ${backbone.ref}…`;
    return (
      <Box width={width} height={height}>
        <Text color={tf.status === 'failed' || backbone.status === 'failed' ? 'red' : undefined} dimColor={tf.status !== 'failed' && backbone.status !== 'failed'} wrap="wrap">
          {msg}
        </Text>
      </Box>
    );
  }

  // two cells for the head marker, one for the list's scroll hint
  const line = stackLine(width - 3);
  const list: Row[] = rows.map((r) => ({
    text: (r.part === 'head' ? '▲ ' : '  ') + line({ name: r.name, type: r.type, shape: r.shape, params: r.params ? compactCount(r.params) : '–', status: r.status }),
    color: r.part === 'head' ? (trained ? 'green' : 'cyan') : undefined,
    dim: r.part === 'backbone' && !r.params,
  }));
  const headParams = rows.filter((r) => r.part === 'head').reduce((a, r) => a + r.params, 0);
  const bbParams = rows.filter((r) => r.part === 'backbone').reduce((a, r) => a + r.params, 0);
  const title = `${view.name} · input ${view.inputSize.join('×')} · ${view.dim}-d embedding${classes ? ` → ${classes} classes` : ''}`;
  // the longest wording that fits
  const totals =
    [
      `head ${compactCount(headParams)} trainable${trained ? '' : ' (untrained)'} · backbone ${compactCount(bbParams)} frozen · total ${compactCount(headParams + bbParams)}`,
      `head ${compactCount(headParams)} trainable · backbone ${compactCount(bbParams)} frozen · total ${compactCount(headParams + bbParams)}`,
      `head ${compactCount(headParams)} trainable · backbone ${compactCount(bbParams)} frozen`,
    ].find((t) => t.length <= width) ?? `head ${compactCount(headParams)} · total ${compactCount(headParams + bbParams)}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text dimColor wrap="truncate">
        {fit(title, width)}
      </Text>
      <Text bold wrap="truncate">
        {fit('  ' + line({ name: 'layer (top = output)', type: 'type', shape: 'output', params: 'params', status: 'weights' }, true), width)}
      </Text>
      <ListView rows={list} selected={Math.min(cursor, list.length - 1)} width={width} height={listH} focused={focused} />
      <Box flexGrow={1} />
      <Text wrap="truncate">{fit(totals, width)}</Text>
    </Box>
  );
}
