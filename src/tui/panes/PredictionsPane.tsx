/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Predictions pane: the picture, its top-5 classes as bars with probabilities, the true label when
 * known and right/wrong at a glance. Works on the Dataset pane's selection (alt+p) and on a typed
 * file path (enter here, Tab completes).
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useState } from 'react';
import { bar, pct } from '../../cli/format.js';
import { isEnabled } from '../actions.js';
import { TextField, useTextField } from '../components/TextField.js';
import { fit } from '../components/text.js';
import { useController, useLayout, useStore, useWorkbench } from '../contexts.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import type { PredictionView } from '../state/types.js';
import { ImageBox } from './DatasetPane.js';
import type { PaneProps } from './registry.js';

export function verdict(p: PredictionView): { text: string; color: string } | undefined {
  if (!p.label || !p.top.length) return undefined;
  return p.top[0].className === p.label ? { text: `✓ right — true label ${p.label}`, color: 'green' } : { text: `✗ wrong — true label ${p.label}`, color: 'red' };
}

function Bars({ p, width }: { p: PredictionView; width: number }) {
  const nameW = Math.min(Math.max(...p.top.map((t) => t.className.length), 4), Math.max(6, Math.floor(width * 0.4)));
  const barW = Math.max(4, width - nameW - 9);
  return (
    <Box flexDirection="column" width={width}>
      {p.top.map((t, i) => {
        const isTrue = p.label !== undefined && t.className === p.label;
        const color = i === 0 ? (p.label === undefined ? 'cyan' : isTrue ? 'green' : 'red') : isTrue ? 'green' : undefined;
        return (
          <Text key={t.className} wrap="truncate" bold={i === 0}>
            <Text color={color}>{fit(t.className, nameW)}</Text> <Text color={color}>{bar(t.probability, barW)}</Text> {pct(t.probability, 1).padStart(6)}
          </Text>
        );
      })}
    </Box>
  );
}

export function PredictionsPane({ id, width, height }: PaneProps) {
  const p = useWorkbench((s) => s.prediction);
  const hasModel = useWorkbench((s) => s.model !== undefined);
  const store = useStore();
  const controller = useController();
  const { layout } = useLayout();
  const [typing, setTyping] = useState(false);
  const field = useTextField({
    paths: true,
    initial: p ? path.dirname(p.file) + '/' : '',
    onSubmit: (v) => {
      setTyping(false);
      if (!v) return;
      const ok = isEnabled('predict', { state: { ...store.get(), selection: { file: v, label: '' } }, layout });
      if (ok !== true) store.flash(ok, 'warn');
      else void controller.predict(v);
    },
    onCancel: () => setTyping(false),
  });
  usePaneKeys(
    id,
    (e) => {
      if (typing) return field.handle(e);
      if (e.action === 'select') {
        setTyping(true);
        return true;
      }
      return false;
    },
    { capturesText: typing, hints: typing ? ['enter predict', 'tab complete', 'esc cancel'] : ['enter type a path'] },
  );

  const input = typing && <TextField label="image: " field={field} width={width} maxCandidates={Math.max(0, Math.min(6, height - 3))} />;
  if (!p) {
    return (
      <Box flexDirection="column" width={width} height={height}>
        {input}
        <Text dimColor wrap="wrap">
          {hasModel ? 'No prediction yet: select an image in the Dataset pane and press alt+p, or press enter here to type a file path.' : 'No trained model yet: alt+t trains one, then alt+p predicts the image selected in the Dataset pane (or enter here: a file path).'}
        </Text>
      </Box>
    );
  }
  const v = verdict(p);
  const textLines = (p.top.length || 1) + 2 + (typing ? 1 + Math.min(field.candidates.length, 6) : 0);
  const side = width >= 60;
  const imgW = side ? Math.min(Math.floor(width * 0.45), (height - 1) * 2 + 2) : width;
  const imgH = side ? height - (typing ? 1 : 0) : Math.max(0, height - textLines);
  const textW = side ? width - imgW - 2 : width;
  const details = (
    <Box flexDirection="column" width={textW} flexShrink={0}>
      <Text bold wrap="truncate">
        {fit(path.basename(p.file), textW)}
      </Text>
      {v ? (
        <Text color={v.color} bold wrap="truncate">
          {fit(v.text, textW)}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          {fit(p.busy ? 'predicting…' : p.error ? '' : 'true label unknown (not from the dataset)', textW)}
        </Text>
      )}
      {p.error ? (
        <Text color="red" wrap="wrap">
          {p.error}
        </Text>
      ) : (
        <Bars p={p} width={textW} />
      )}
    </Box>
  );
  const caption = path.dirname(p.file);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {input}
      {side ? (
        <Box flexDirection="row">
          {imgH >= 3 && <ImageBox file={p.file} caption={caption} width={imgW} height={imgH} />}
          <Box width={2} flexShrink={0} />
          {details}
        </Box>
      ) : (
        <>
          {details}
          {imgH >= 3 && <ImageBox file={p.file} caption={caption} width={imgW} height={imgH} />}
        </>
      )}
    </Box>
  );
}
