/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The command prompt (alt+d), dmenu-like: a line to type in, the matching commands under it; Tab
 * completes (commands, flags, file paths), ↑/↓ choose, enter runs, esc backs out.
 */
import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { paneKinds } from '../panes/registry.js';
import { completePath } from '../prompt/complete-path.js';
import { parsePromptLine, pathArgument, promptCandidates } from '../prompt/commands.js';
import { editText, fit, stringWidth } from './text.js';

export const OVERLAY_ID = 0;

export function Prompt({ width, height, onRun, onClose }: { width: number; height: number; onRun(line: string): void; onClose(): void }) {
  const [line, setLine] = useState('');
  const [cursor, setCursor] = useState(0);
  const [paths, setPaths] = useState<string[]>([]);
  const latest = useRef(line);
  latest.current = line;
  const items = promptCandidates(
    line,
    paneKinds().map((k) => k.kind),
  );
  const listH = Math.max(0, height - 1);
  const sel = Math.min(cursor, Math.max(0, items.length - 1));

  const set = (v: string) => {
    latest.current = v; // a key handled before the next render sees it
    setLine(v);
    setCursor(0);
    setPaths([]);
  };
  usePaneKeys(
    OVERLAY_ID,
    (e) => {
      const k = e.stroke.key;
      // keys can come faster than frames: act on the line as typed so far, not as last drawn
      const line = latest.current;
      const items = promptCandidates(
        line,
        paneKinds().map((p) => p.kind),
      );
      const sel = Math.min(cursor, Math.max(0, items.length - 1));
      if (k === 'escape') onClose();
      else if (k === 'down' || (e.stroke.ctrl && k === 'n')) setCursor((c) => Math.min(items.length - 1, c + 1));
      else if (k === 'up' || (e.stroke.ctrl && k === 'p')) setCursor((c) => Math.max(0, c - 1));
      else if (k === 'tab') {
        const pa = pathArgument(line);
        if (pa) {
          const typed = line;
          void completePath(pa.arg).then((c) => {
            if (latest.current !== typed) return;
            setLine(`${pa.command} ${c.value}`);
            setPaths(c.candidates.length > 1 ? c.candidates : []);
          });
        } else if (items[sel]) set(items[sel].insert);
      } else if (k === 'enter') {
        // a line that already says something runs as typed; otherwise take the highlighted item
        const parsed = parsePromptLine(line);
        if (parsed.type !== 'unknown' && parsed.type !== 'empty') onRun(line);
        else if (items[sel]) {
          const it = items[sel];
          if (it.insert.endsWith(' ') || it.insert === '--') set(it.insert);
          else onRun(it.insert);
        } else onRun(line);
      } else {
        const next = editText(latest.current, e.input, e.stroke);
        if (next !== undefined) set(next);
      }
      return true;
    },
    { capturesText: true, hints: ['tab complete', '↑/↓ choose', 'enter run', 'esc close'] },
  );

  const rows = paths.length ? paths.map((p) => ({ label: p, description: '' })) : items.map((i) => ({ label: i.label, description: i.description }));
  const start = Math.max(0, Math.min(sel - Math.floor(listH / 2), rows.length - listH));
  const shown = rows.slice(start, start + listH);
  const labelW = Math.min(28, Math.max(12, ...shown.map((r) => stringWidth(r.label) + 3)));
  const room = width - 3;
  const text = stringWidth(line) > room - 1 ? '…' + line.slice(-(room - 2)) : line;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate">
        <Text color="black" backgroundColor="green" bold>
          {'❯'}
        </Text>
        <Text> {text}</Text>
        <Text inverse> </Text>
      </Text>
      {shown.map((r, i) => {
        const on = !paths.length && start + i === sel;
        return (
          <Text key={i} wrap="truncate" inverse={on}>
            {fit('  ' + r.label, labelW)}
            <Text dimColor={!on}>{fit(r.description, Math.max(0, width - labelW))}</Text>
          </Text>
        );
      })}
      {!shown.length && (
        <Text dimColor wrap="truncate">
          {fit(line.trim() ? '  enter runs it as typed' : '  type an action, a command or --flags', width)}
        </Text>
      )}
    </Box>
  );
}
