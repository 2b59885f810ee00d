/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The status bar: the keys that matter in the focused pane and the run keys (dimmed when they
 * cannot be used now), or a message (a disabled key's reason, an error); on the right the backend,
 * the dataset and the run's state.
 */
import { Text } from 'ink';
import type { ReactElement } from 'react';
import path from 'node:path';
import { useEffect } from 'react';
import { actionLabel, isEnabled } from '../actions.js';
import { keyFor } from '../keys/keymap.js';
import { formatStroke } from '../keys/keyspec.js';
import { useKeymap, useLayout, useStore, useWorkbench } from '../contexts.js';
import { runStateLabel } from '../state/types.js';
import { fit, stringWidth } from './text.js';

const FLASH_MS = 4000;

export function StatusBar({ width, paneHints, prefixPending }: { width: number; paneHints: string[]; prefixPending: boolean }) {
  const store = useStore();
  const keymap = useKeymap();
  const { layout } = useLayout();
  const flash = useWorkbench((s) => s.flash);
  const backend = useWorkbench((s) =>
    s.tf.backend
      ? `${s.tf.backend}${(s.tf.workers ?? 1) > 1 ? `×${s.tf.workers}` : ''}`
      : s.tf.status === 'starting'
        ? 'starting TF…'
        : s.tf.status === 'failed'
          ? 'no TF'
          : '?',
  );
  const dataName = useWorkbench((s) =>
    s.dataset.root ? path.basename(s.dataset.root) : s.dataset.missing ? `${s.dataset.missing.name} (not downloaded)` : 'no data',
  );
  const stateLabel = useWorkbench(runStateLabel);
  const cam = useWorkbench((s) => (s.gradCam.on ? `Grad-CAM${s.gradCam.className ? ` ${s.gradCam.className}` : ''} · ` : ''));
  const state = useWorkbench((s) => s);

  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => store.clearFlash(flash.id), FLASH_MS);
    return () => clearTimeout(t);
  }, [flash, store]);

  // a message takes the room it needs; the dataset's name, then the backend, give way before the run's state
  const maxRight = Math.floor(width * (flash ? 0.45 : 0.5));
  const full = ` ${cam}${backend} · ${dataName} · ${stateLabel} `;
  const room = flash && !prefixPending ? Math.min(maxRight, Math.max(stringWidth(stateLabel) + 2, width - stringWidth(flash.text) - 2)) : maxRight;
  const right =
    [full, ` ${cam}${backend} · ${stateLabel} `, ` ${cam}${stateLabel} `, ` ${stateLabel} `].find((r) => stringWidth(r) <= room) ?? ` ${stateLabel} `;
  const rightW = Math.min(stringWidth(right), maxRight);
  const leftW = width - rightW;
  const p = formatStroke(keymap.prefix);
  let left: ReactElement;
  if (prefixPending) {
    left = (
      <Text backgroundColor="green" color="black">
        {fit(` ${p} … c new · x close · n/p next/prev · 1-9 pane · z zoom · % | " split · arrows move · esc cancel`, leftW)}
      </Text>
    );
  } else if (flash) {
    left = (
      <Text
        backgroundColor={flash.level === 'error' ? 'red' : flash.level === 'warn' ? 'yellow' : 'blue'}
        color={flash.level === 'info' ? 'white' : 'black'}
        bold
      >
        {fit(` ${flash.text}`, leftW)}
      </Text>
    );
  } else {
    const env = { state, layout };
    // what is dropped first when the bar is narrow: the run keys at the end of the list, then the
    // pane's own hints from the last; "? keys" stays, since it leads to all the others
    const runKeys = ['train', 'predict', 'evaluate', 'fine-tune', 'stop', 'prompt', 'help', 'lr-find'].map((a) => ({
      a,
      k: keyFor(keymap, a),
      on: isEnabled(a, env) === true,
    }));
    const parts: { text: string; dim: boolean; pane?: boolean; rank: number }[] = [];
    parts.push({ text: ' ', dim: false, rank: 0 });
    paneHints.forEach((h, i) => parts.push({ text: `${h}  `, dim: false, pane: true, rank: 2 + i }));
    runKeys.forEach(
      (r, i) => r.k && parts.push({ text: `${r.k} ${actionLabel(r.a, state)}  `, dim: !r.on, rank: r.a === 'help' ? 1 : r.a === 'train' ? 20 : 30 + i }),
    );
    let shown = parts;
    let used = shown.reduce((a, p) => a + stringWidth(p.text), 0);
    while (used > leftW && shown.length > 1) {
      const worst = shown.reduce((a, p) => (p.rank > a.rank ? p : a));
      shown = shown.filter((p) => p !== worst);
      used -= stringWidth(worst.text);
    }
    if (used > leftW) used = leftW;
    left = (
      <Text>
        {shown.map((s, i) => (
          <Text key={i} dimColor={s.dim} color={s.pane ? 'cyan' : undefined}>
            {s.text}
          </Text>
        ))}
        {' '.repeat(Math.max(0, leftW - used))}
      </Text>
    );
  }
  return (
    <Text wrap="truncate">
      {left}
      <Text inverse>{fit(right, rightW, 'right')}</Text>
    </Text>
  );
}
