/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/** The kind chooser (ctrl+f c, %, "), the key help (?), and the quit question. */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { ACTIONS, isEnabled, PANE_ACTIONS, type ActionEnv } from '../actions.js';
import { keysFor, type Keymap } from '../keys/keymap.js';
import { formatStroke } from '../keys/keyspec.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { paneKinds } from '../panes/registry.js';
import { ListView } from './ListView.js';
import { OVERLAY_ID } from './Prompt.js';
import { fit } from './text.js';

export function KindChooser({ width, height, title, onChoose, onClose }: { width: number; height: number; title: string; onChoose(kind: string): void; onClose(): void }) {
  const kinds = paneKinds();
  const [cursor, setCursor] = useState(0);
  usePaneKeys(
    OVERLAY_ID,
    (e) => {
      if (e.action === 'down') setCursor((c) => Math.min(kinds.length - 1, c + 1));
      else if (e.action === 'up') setCursor((c) => Math.max(0, c - 1));
      else if (e.action === 'select') onChoose(kinds[cursor].kind);
      else if (e.action === 'back') onClose();
      else if (/^[1-9]$/.test(e.stroke.key) && kinds[Number(e.stroke.key) - 1]) onChoose(kinds[Number(e.stroke.key) - 1].kind);
      return true;
    },
    { hints: ['j/k choose', 'enter create', 'esc cancel'] },
  );
  const nameW = Math.max(...kinds.map((k) => k.title.length)) + 6;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text bold color="green" wrap="truncate">
        {fit(title, width)}
      </Text>
      <ListView rows={kinds.map((k, i) => ({ text: `${i + 1} ${fit(k.title, nameW)}${k.description}` }))} selected={cursor} width={width} height={Math.max(1, height - 1)} focused />
    </Box>
  );
}

/** Every key, grouped, with what it does and, when it cannot be used now, why. */
export function HelpView({ width, height, keymap, env, onClose }: { width: number; height: number; keymap: Keymap; env: ActionEnv; onClose(): void }) {
  const [top, setTop] = useState(0);
  const lines: { text: string; color?: string; dim?: boolean; bold?: boolean }[] = [];
  const keyW = 22;
  const groups: Array<[string, string]> = [
    ['run', 'Run'],
    ['panes', `Panes (prefix ${formatStroke(keymap.prefix)}, then a key)`],
    ['app', 'Workbench'],
  ];
  for (const [g, name] of groups) {
    lines.push({ text: name, bold: true, color: 'green' });
    for (const a of ACTIONS.filter((x) => x.group === g)) {
      const keys = keysFor(keymap, a.id);
      if (!keys.length) continue;
      const why = isEnabled(a.id, env);
      lines.push({ text: `  ${fit(keys.join(', '), keyW)}${a.title}${why === true ? '' : `  — ${why.replace(/^[^:]+: /, '')}`}`, dim: why !== true });
    }
    lines.push({ text: '' });
  }
  lines.push({ text: 'Inside a pane', bold: true, color: 'green' });
  for (const [id, what] of Object.entries(PANE_ACTIONS)) {
    const keys = keysFor(keymap, id);
    if (keys.length) lines.push({ text: `  ${fit(keys.join(', '), keyW)}${what}` });
  }
  lines.push({ text: `  ${fit('ctrl+c', keyW)}quit (asks first while training runs)` });
  if (keymap.problems.length) {
    lines.push({ text: '' });
    lines.push({ text: 'Keymap problems (your overrides)', bold: true, color: 'yellow' });
    for (const p of keymap.problems) lines.push({ text: `  ${p}`, color: 'yellow' });
  }
  const bodyH = Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - bodyH);
  usePaneKeys(
    OVERLAY_ID,
    (e) => {
      if (e.action === 'down') setTop((t) => Math.min(maxTop, t + 1));
      else if (e.action === 'up') setTop((t) => Math.max(0, t - 1));
      else if (e.action === 'pageDown') setTop((t) => Math.min(maxTop, t + bodyH - 1));
      else if (e.action === 'pageUp') setTop((t) => Math.max(0, t - bodyH + 1));
      else if (e.action === 'back' || e.action === 'select' || e.stroke.key === 'q' || e.stroke.key === '?') onClose();
      return true;
    },
    { hints: ['j/k scroll', 'esc close'] },
  );
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text bold inverse wrap="truncate">
        {fit(` petlab keys — ${keymap.bindings.length} bindings from config/keymap.json + your \`keymap\` setting   (esc closes)`, width)}
      </Text>
      {lines.slice(top, top + bodyH).map((l, i) => (
        <Text key={i} color={l.color} dimColor={l.dim} bold={l.bold} wrap="truncate">
          {fit(l.text, width)}
        </Text>
      ))}
    </Box>
  );
}

export function ConfirmQuit({ width, onYes, onNo }: { width: number; onYes(): void; onNo(): void }) {
  usePaneKeys(
    OVERLAY_ID,
    (e) => {
      if (e.stroke.key === 'y' || (e.stroke.ctrl && e.stroke.key === 'c')) onYes();
      else if (e.stroke.key === 'n' || e.action === 'back') onNo();
      return true;
    },
    { hints: ['y quit', 'n stay'] },
  );
  return (
    <Text backgroundColor="yellow" color="black" bold wrap="truncate">
      {fit(' Training is running: quit anyway? It stops and keeps the last finished epoch.  y quit · n stay', width)}
    </Text>
  );
}
