/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Pairs pane: one-shot recognition by a siamese pairs model. b marks the picture selected in the
 * Dataset pane as A; the next picture selected there is B; both show here with the verdict
 * ("same class, P(same) 87%"). enter compares them again; alt+w trains the pairs head on the dataset.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect } from 'react';
import { isEnabled } from '../actions.js';
import { fit } from '../components/text.js';
import { useController, useLayout, useStore, useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { ImageBox } from '../components/ImageBox.js';
import type { PaneProps } from './registry.js';

export function PairsPane({ id, width, height }: PaneProps) {
  const p = useWorkbench((s) => s.pairs);
  const sel = useWorkbench((s) => s.selection);
  const root = useWorkbench((s) => s.dataset.ds?.root);
  const task = useWorkbench((s) => s.task?.kind);
  const store = useStore();
  const controller = useController();
  const { layout } = useLayout();
  // a pairs model saved in an earlier run counts
  useEffect(() => controller.pairsRefresh(), [controller, root]);
  useEffect(() => {
    if (sel) controller.pairsSelected(sel);
  }, [controller, sel]);
  usePaneKeys(
    id,
    (e) => {
      const acts = e.actions ?? (e.action ? [e.action] : []);
      if (acts.includes('pairMark')) {
        if (!store.get().selection) store.flash('mark: select a picture in the Dataset pane first', 'warn');
        else controller.pairsMark();
        return true;
      }
      if (acts.includes('pairs-compare')) {
        const why = isEnabled('pairs-compare', { state: store.get(), layout });
        if (why !== true) store.flash(why, 'warn');
        else void controller.pairsCompare();
        return true;
      }
      return false;
    },
    { hints: ['b mark A', 'enter compare', 'alt+w train pairs'] },
  );

  const v = p?.verdict && p.a && p.b && p.verdict.a === p.a.file && p.verdict.b === p.b.file ? p.verdict : undefined;
  const head = p?.model
    ? `pairs model ${path.basename(p.model)} · b marks the selected picture as A, the next one selected is B`
    : 'no pairs model for this dataset yet — alt+w trains one (or pairs-train at alt+d); b marks a picture as A';
  const status =
    task === 'pairs-train'
      ? 'training the pairs head…'
      : task === 'pairs-compare'
        ? 'comparing…'
        : v
          ? `${v.same ? 'same' : 'different'}, P(same) ${Math.round(v.probability * 100)}% · cosine ${v.cosine.toFixed(2)}`
          : p?.error
            ? `compare: ${p.error}`
            : !p?.a
              ? 'select a picture in the Dataset pane, then b here: it is A'
              : !p.b
                ? 'now select picture B in the Dataset pane'
                : p.model
                  ? 'enter compares A and B'
                  : 'alt+w trains a pairs model, then A and B are compared';
  const color = task ? 'cyan' : v ? (v.same ? 'green' : 'red') : p?.error ? 'red' : 'yellow';
  const imgH = Math.max(2, height - 2);
  const half = Math.floor((width - 1) / 2);
  const cap = (k: string, x?: { file: string; label?: string }) => (x ? `${k}: ${x.label ? `${x.label}/` : ''}${path.basename(x.file)}` : `${k}: —`);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" dimColor>
        {fit(head, width)}
      </Text>
      <Text wrap="truncate" color={color} bold={!!v}>
        {fit(status, width)}
      </Text>
      <Box flexDirection="row" width={width} height={imgH}>
        <ImageBox file={p?.a?.file} caption={cap('A', p?.a)} width={half} height={imgH} />
        <Box width={1} />
        <ImageBox file={p?.b?.file} caption={cap('B', p?.b)} width={width - half - 1} height={imgH} />
      </Box>
    </Box>
  );
}
