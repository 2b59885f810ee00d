/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * LR finder pane (alt+l): the learning-rate range test's smoothed loss against the learning rate
 * (log scale) in braille, the suggested rate marked under the curve. a makes it --lr of the next
 * training (the same as typing `--lr X` at the alt+d prompt).
 */
import { Box, Text } from 'ink';
import { brailleChart } from '../../text/braille-chart.js';
import { fit } from '../components/text.js';
import { useController, useStore, useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { PaneProps } from './registry.js';

export function LrFindPane({ id, width, height }: PaneProps) {
  const r = useWorkbench((s) => s.lrFind);
  const running = useWorkbench((s) => s.task?.kind === 'lr-find');
  const batch = useWorkbench((s) => (s.task?.kind === 'lr-find' ? s.batch : undefined));
  const lrFlag = useWorkbench((s) => s.trainFlags.lr);
  const store = useStore();
  const controller = useController();
  const suggested = r ? String(Number(r.suggestion.toPrecision(2))) : '';
  usePaneKeys(
    id,
    (e) => {
      if (e.action !== 'apply') return false;
      if (!r) store.flash(running ? 'apply: lr-find is still running…' : 'apply: no suggestion yet — alt+l runs lr-find', 'warn');
      else controller.applyLrSuggestion();
      return true;
    },
    { hints: r ? [`a use --lr ${suggested}`] : ['alt+l lr-find'] },
  );

  if (!r) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        <Text dimColor wrap="wrap">
          {running
            ? `sweeping the learning rate…${batch ? ` step ${batch.batch}/${batch.batches}` : ''}`
            : 'alt+l runs the learning-rate range test: a fresh head trains for 200 steps while the rate grows from 1e-7 to 10. The loss curve and a suggested rate appear here; a then uses it for the next training.'}
        </Text>
      </Box>
    );
  }
  const pts = r.points;
  const losses = pts.map((p) => p.smoothed);
  const lo = Math.min(...losses);
  // the blow-up at the end would flatten the rest: clip at 3x the starting loss
  const hi = Math.max(lo + 1e-6, Math.min(Math.max(...losses), 3 * losses[0]));
  const labelW = 7;
  const chartW = Math.max(8, width - labelW - 1);
  const chartH = Math.max(2, height - 5);
  const rows = brailleChart([{ values: losses, color: 'cyan' }], chartW, chartH, lo, hi);
  const l0 = Math.log10(pts[0].lr);
  const l1 = Math.log10(pts[pts.length - 1].lr);
  const col = Math.max(0, Math.min(chartW - 1, Math.round(((Math.log10(r.suggestion) - l0) / (l1 - l0 || 1)) * (chartW - 1))));
  const mark = `▲ ${r.suggestion.toExponential(1)}`;
  const markLine = col + mark.length <= chartW ? ' '.repeat(col) + mark : ' '.repeat(Math.max(0, col - mark.length + 1)) + `${r.suggestion.toExponential(1)} ▲`;
  const axis = `${pts[0].lr.toExponential(0)}`;
  const end = `${pts[pts.length - 1].lr.toExponential(0)}`;
  const applied = lrFlag === suggested;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate">{fit(`suggested --lr ${r.suggestion.toExponential(1)} (steepest fall) · minimum/10 ${r.minOver10.toExponential(1)}`, width)}</Text>
      {rows.map((line, i) => (
        <Text key={i} wrap="truncate">
          <Text dimColor>{fit(i === 0 ? hi.toFixed(3) : i === chartH - 1 ? lo.toFixed(3) : '', labelW, 'right')}│</Text>
          {line.map((run, j) => (
            <Text key={j} color={run.color}>
              {run.text}
            </Text>
          ))}
        </Text>
      ))}
      <Text dimColor wrap="truncate">
        {fit(' '.repeat(labelW) + '└' + '─'.repeat(chartW), width)}
      </Text>
      <Text color="yellow" wrap="truncate">
        {fit(' '.repeat(labelW + 1) + markLine, width)}
      </Text>
      <Text dimColor wrap="truncate">
        {fit(' '.repeat(labelW + 1) + axis + fit(end + ' ', Math.max(0, chartW - axis.length), 'right'), width)}
      </Text>
      <Text color={applied ? 'green' : 'cyan'} wrap="truncate">
        {fit(
          applied ? `✓ the next training (alt+t) uses --lr ${suggested}` : `a: use --lr ${suggested} for the next training (or alt+d: --lr ${suggested})`,
          width,
        )}
      </Text>
    </Box>
  );
}
