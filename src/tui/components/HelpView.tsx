/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * `?`: every key, grouped, with what it does and, when it cannot be used now, why. Read from the
 * action records (the same list as the status bar and the prompt). Long lines wrap under their
 * text; what does not fit scrolls, with a "more" mark.
 */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { ACTIONS, isEnabled, PANE_ACTIONS, type ActionEnv } from '../actions.js';
import { keysFor, type Keymap } from '../keys/keymap.js';
import { formatStroke } from '../keys/keyspec.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { OVERLAY_ID } from './Prompt.js';
import { fit, stringWidth } from './text.js';

interface Line {
  text: string;
  color?: string;
  dim?: boolean;
  bold?: boolean;
}

/** Words of `text` in lines of at most `width` cells (a word longer than that is cut). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/ (?! )/).filter(Boolean)) {
    if (line && stringWidth(line) + 1 + stringWidth(word) > width) {
      out.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line || !out.length) out.push(line);
  return out;
}

/** Where alt+e, alt+l and enter on a layer put their pane (layout/place.ts), in one line. */
export const PLACEMENT_RULE =
  'a pane petlab opens (alt+e, alt+l, enter on a layer) splits the largest pane in half, never below 40×6; with no room it takes the place of the least recently used such pane';

/** "ctrl+f 1", …, "ctrl+f 9" as "ctrl+f 1..9" (the keymap may bind them otherwise: then listed). */
function groupKeys(keys: string[][]): string[] {
  const firsts = keys.map((k) => k[0] ?? '');
  const m = firsts.map((k) => /^(.*?)(\d)$/.exec(k));
  if (m.every((x, i) => x && x[1] === m[0]![1] && Number(x[2]) === i + 1)) return [`${m[0]![1]}1..${keys.length}`];
  return firsts.filter(Boolean);
}

export function helpLines(keymap: Keymap, env: ActionEnv, width: number): Line[] {
  const lines: Line[] = [];
  const keyW = Math.min(22, Math.max(12, Math.floor(width / 4)));
  const textW = Math.max(10, width - keyW - 2);
  const entry = (keys: string, what: string, dim = false) => {
    const [first, ...rest] = wrapWords(what, textW);
    lines.push({ text: `  ${fit(keys, keyW - 1)} ${first}`, dim });
    for (const r of rest) lines.push({ text: `  ${' '.repeat(keyW)}${r}`, dim });
  };
  const groups: Array<[string, string]> = [
    ['run', 'Run'],
    ['panes', `Panes (prefix ${formatStroke(keymap.prefix)}, then a key)`],
    ['app', 'Workbench'],
  ];
  for (const [g, name] of groups) {
    lines.push({ text: name, bold: true, color: 'green' });
    const done = new Set<string>();
    for (const a of ACTIONS.filter((x) => x.group === g)) {
      if (a.helpGroup) {
        if (done.has(a.helpGroup)) continue;
        done.add(a.helpGroup);
        const members = ACTIONS.filter((x) => x.helpGroup === a.helpGroup);
        const keys = groupKeys(members.map((x) => keysFor(keymap, x.id)));
        if (keys.length) entry(keys.join(', '), `focus pane 1 to ${members.length} (numbers stay with their panes)`);
        continue;
      }
      const keys = keysFor(keymap, a.id);
      if (!keys.length) continue;
      const why = isEnabled(a.id, env);
      entry(keys.join(', '), `${a.title}${why === true ? '' : `  — ${why.replace(/^[^:]+: /, '')}`}`, why !== true);
    }
    if (g === 'panes') entry('opened for you', PLACEMENT_RULE);
    lines.push({ text: '' });
  }
  lines.push({ text: 'Inside a pane', bold: true, color: 'green' });
  for (const [id, what] of Object.entries(PANE_ACTIONS)) {
    const keys = keysFor(keymap, id);
    if (keys.length) entry(keys.join(', '), what);
  }
  entry('ctrl+c', 'quit (asks first while training runs)');
  if (keymap.problems.length) {
    lines.push({ text: '' });
    lines.push({ text: 'Keymap problems (your overrides)', bold: true, color: 'yellow' });
    for (const p of keymap.problems) for (const l of wrapWords(p, width - 2)) lines.push({ text: `  ${l}`, color: 'yellow' });
  }
  return lines;
}

export function HelpView({ width, height, keymap, env, onClose }: { width: number; height: number; keymap: Keymap; env: ActionEnv; onClose(): void }) {
  const [top, setTop] = useState(0);
  const lines = helpLines(keymap, env, width);
  const bodyH = Math.max(1, height - 1);
  // the last row says what is below when the list goes on
  const more = lines.length > bodyH;
  const viewH = more ? bodyH - 1 : bodyH;
  const maxTop = Math.max(0, lines.length - viewH);
  const at = Math.min(top, maxTop);
  usePaneKeys(
    OVERLAY_ID,
    (e) => {
      if (e.action === 'down') setTop((t) => Math.min(maxTop, t + 1));
      else if (e.action === 'up') setTop((t) => Math.max(0, Math.min(maxTop, t) - 1));
      else if (e.action === 'pageDown') setTop((t) => Math.min(maxTop, t + viewH - 1));
      else if (e.action === 'pageUp') setTop((t) => Math.max(0, Math.min(maxTop, t) - viewH + 1));
      else if (e.action === 'back' || e.action === 'select' || e.stroke.key === 'q' || e.stroke.key === '?') onClose();
      return true;
    },
    { hints: ['j/k scroll', 'esc close'] },
  );
  const below = lines.length - at - viewH;
  const mark = below > 0 ? `  ↓ ${below} more line${below > 1 ? 's' : ''} — j/k or page down scrolls` : at > 0 ? '  (end) ↑ k scrolls back' : '';
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text bold inverse wrap="truncate">
        {fit(` petlab keys — ${keymap.bindings.length} bindings from config/keymap.json + your \`keymap\` setting   (esc closes)`, width)}
      </Text>
      {lines.slice(at, at + viewH).map((l, i) => (
        <Text key={i} color={l.color} dimColor={l.dim} bold={l.bold} wrap="truncate">
          {fit(l.text, width)}
        </Text>
      ))}
      {more && (
        <Text dimColor wrap="truncate">
          {fit(mark, width)}
        </Text>
      )}
    </Box>
  );
}
