/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Training log pane: the live phase (download, embed, train), a progress bar with rate and ETA, one
 * line per epoch (loss, accuracy, val loss, val accuracy, time), the loss and accuracy curves, and
 * the run's messages (warnings, errors, evaluation results).
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { bar, bytes, duration, num, pct } from '../../text/format.js';
import type { EpochEvent, ProgressEvent } from '../../core/events.js';
import { brailleChart, type Run } from '../../text/braille-chart.js';
import { fit } from '../components/text.js';
import { useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { LogLevel } from '../state/types.js';
import type { PaneProps } from './registry.js';

const LEVEL_COLOR: Record<LogLevel, string | undefined> = { info: undefined, phase: 'cyan', warn: 'yellow', error: 'red', ok: 'green' };

export function progressLine(p: ProgressEvent, width: number): string {
  const done = p.unit === 'bytes' ? `${bytes(p.done)}/${bytes(p.total)}` : `${p.done}/${p.total} ${p.unit}`;
  const rate = p.unit === 'bytes' ? `${bytes(p.rate)}/s` : `${p.rate.toFixed(1)}/s`;
  const eta = `ETA ${duration(p.etaSeconds)}`;
  const head = `${p.phase} `;
  // the numbers matter more than the bar: drop the rate, then shrink the bar, before cutting text
  for (const tail of [` ${done}  ${rate}  ${eta}`, ` ${done}  ${eta}`]) {
    const w = Math.min(30, width - head.length - tail.length);
    if (w >= 4) return fit(`${head}${bar(p.total ? p.done / p.total : 0, w)}${tail}`, width);
  }
  return fit(`${head}${done}  ${eta}`, width);
}

export function epochLine(e: EpochEvent, compact = false): string {
  // fine-tuning epochs follow the frozen ones, marked "ft"
  const ep = `${e.phase === 'fine-tune' ? 'ft' : ''}${String(e.epoch).padStart(String(e.epochs).length)}/${e.epochs}`;
  if (compact)
    return `${ep.padStart(5)} ${num(e.loss, 3).padStart(5)} ${pct(e.acc, 0).padStart(4)} ${num(e.valLoss, 3).padStart(5)} ${pct(e.valAcc, 0).padStart(4)}`;
  return `${ep.padStart(5)}  ${num(e.loss).padStart(6)}  ${pct(e.acc, 1).padStart(6)}  ${num(e.valLoss).padStart(6)}  ${pct(e.valAcc, 1).padStart(6)}  ${duration(e.seconds).padStart(5)}`;
}
export const EPOCH_HEADER = `epoch    loss     acc  v.loss   v.acc   time`;
/** For narrow panes (under 46 cells): no time, fewer digits. */
export const EPOCH_HEADER_COMPACT = `epoch  loss  acc v.los v.acc`;

function ChartLines({ runs }: { runs: Run[][] }) {
  return (
    <>
      {runs.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line.map((r, j) => (
            <Text key={j} color={r.color}>
              {r.text}
            </Text>
          ))}
        </Text>
      ))}
    </>
  );
}

/** Loss and accuracy curves, one above the other, with a legend line each. */
export function Curves({ epochs, width, height }: { epochs: EpochEvent[]; width: number; height: number }) {
  const h = Math.max(1, Math.floor((height - 2) / 2));
  const losses = epochs.flatMap((e) => [e.loss, e.valLoss ?? e.loss]);
  const maxLoss = Math.max(0.1, ...losses);
  const loss = brailleChart(
    [
      { values: epochs.map((e) => e.loss), color: 'yellow' },
      { values: epochs.map((e) => e.valLoss), color: 'magenta' },
    ],
    width,
    h,
    0,
    maxLoss,
  );
  const acc = brailleChart(
    [
      { values: epochs.map((e) => e.acc), color: 'green' },
      { values: epochs.map((e) => e.valAcc), color: 'cyan' },
    ],
    width,
    h,
    0,
    1,
  );
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate">
        {fit(`loss 0–${maxLoss.toFixed(2)} `, Math.min(width, 18))}
        <Text color="yellow">━ train </Text>
        <Text color="magenta">━ val</Text>
      </Text>
      <ChartLines runs={loss} />
      <Text wrap="truncate">
        {fit('accuracy 0–100% ', Math.min(width, 18))}
        <Text color="green">━ train </Text>
        <Text color="cyan">━ val</Text>
      </Text>
      <ChartLines runs={acc} />
    </Box>
  );
}

export function LogPane({ id, width, height }: PaneProps) {
  const phase = useWorkbench((s) => s.phase);
  const task = useWorkbench((s) => s.task);
  const progress = useWorkbench((s) => s.progress);
  const batch = useWorkbench((s) => s.batch);
  const epochs = useWorkbench((s) => s.epochs);
  const planned = useWorkbench((s) => s.epochsPlanned);
  const ftPlanned = useWorkbench((s) => s.fineTuneEpochs);
  const log = useWorkbench((s) => s.log);
  const tf = useWorkbench((s) => s.tf);
  // scrolling back through the messages: 0 = follow the end
  const [back, setBack] = useState(0);
  usePaneKeys(
    id,
    (e) => {
      if (e.action === 'up' || e.action === 'pageUp') setBack((b) => Math.min(Math.max(0, log.length - 1), b + (e.action === 'up' ? 1 : 5)));
      else if (e.action === 'down' || e.action === 'pageDown') setBack((b) => Math.max(0, b - (e.action === 'down' ? 1 : 5)));
      else if (e.action === 'back' && back > 0) setBack(0);
      else return false;
      return true;
    },
    { hints: back ? ['j/k scroll', 'esc follow'] : ['k scroll back'] },
  );

  // line 1: what runs now
  const state = task ? (task.stopping ? 'stopping' : (phase?.phase ?? task.kind)) : tf.status === 'starting' ? 'starting' : 'idle';
  const headline = task
    ? `● ${state}  ${phase?.message ?? ''}`
    : tf.status === 'starting'
      ? '○ starting TensorFlow…'
      : epochs.length
        ? `○ idle — last run: ${epochs.length} epoch${epochs.length > 1 ? 's' : ''}`
        : '○ idle — alt+t trains a head on the dataset';
  // line 2: the bar (progress of the phase, or of the epoch's batches)
  let barLine = '';
  if (progress && task) barLine = progressLine(progress, width);
  else if ((task?.kind === 'train' || task?.kind === 'fine-tune') && batch) {
    const total = task.kind === 'fine-tune' ? ftPlanned : planned;
    const frac = (batch.epoch - 1 + batch.batch / batch.batches) / (total ?? batch.epoch);
    barLine = fit(
      `${task.kind === 'fine-tune' ? 'fine-tune' : 'train'} ${bar(frac, Math.max(5, Math.min(30, width - 38)))} epoch ${batch.epoch}/${total ?? '?'} batch ${batch.batch}/${batch.batches}`,
      width,
    );
  }

  // body: the epoch table and the curves (side by side when wide), then the messages
  const wide = width >= 90;
  const bodyH = Math.max(0, height - 2);
  const showEpochs = epochs.length > 0;
  const hasCurves = epochs.length >= 2;
  const tableW = wide ? Math.min(46, width) : width;
  const chartW = wide ? width - tableW - 2 : width;
  let topH = 0;
  let chartH = 0;
  if (wide && showEpochs) {
    topH = Math.max(2, Math.min(14, bodyH - 4));
    chartH = hasCurves && topH >= 4 ? topH : 0;
  } else if (showEpochs) {
    topH = Math.min(epochs.length + 1, 4, bodyH);
    chartH = hasCurves && bodyH - topH - 1 >= 6 ? Math.min(12, bodyH - topH - 3) : 0;
  }
  const sideBySide = wide && chartH > 0;
  const used = showEpochs ? (sideBySide ? topH : topH + chartH) + 1 : 0;
  const msgsH = Math.max(0, bodyH - used);
  const shownEpochs = epochs.slice(-Math.max(0, topH - 1));
  const end = log.length - back;
  const msgs = log.slice(Math.max(0, end - msgsH), end);

  const table = showEpochs && (
    <Box flexDirection="column" width={tableW} flexShrink={0}>
      <Text bold wrap="truncate">
        {fit(tableW < EPOCH_HEADER.length ? EPOCH_HEADER_COMPACT : EPOCH_HEADER, tableW)}
      </Text>
      {shownEpochs.map((e, i) => (
        <Text key={i} wrap="truncate">
          {fit(epochLine(e, tableW < EPOCH_HEADER.length), tableW)}
        </Text>
      ))}
    </Box>
  );
  const chart = chartH >= 4 && <Curves epochs={epochs} width={chartW} height={chartH} />;

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" color={task ? 'cyan' : undefined} dimColor={!task}>
        {fit(headline, width)}
      </Text>
      <Text wrap="truncate">{barLine || ' '}</Text>
      {sideBySide ? (
        <Box flexDirection="row" height={Math.max(topH, chartH)} flexShrink={0}>
          {table}
          <Box width={2} flexShrink={0} />
          {chart}
        </Box>
      ) : (
        <>
          {table}
          {chart}
        </>
      )}
      {showEpochs && <Text> </Text>}
      {msgs.map((l, i) => (
        <Text key={i} color={LEVEL_COLOR[l.level]} wrap="truncate">
          {fit(l.text, width)}
        </Text>
      ))}
    </Box>
  );
}
