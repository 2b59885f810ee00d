/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/** The kind chooser (ctrl+f c, %, ") and the quit question. (The key help is HelpView.tsx.) */
import { Box, Text } from 'ink';
import { useState } from 'react';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { paneKinds } from '../panes/registry.js';
import { ListView } from './ListView.js';
import { OVERLAY_ID } from './Prompt.js';
import { fit } from './text.js';

export { HelpView } from './HelpView.js';

export function KindChooser({
  width,
  height,
  title,
  onChoose,
  onClose,
}: {
  width: number;
  height: number;
  title: string;
  onChoose(kind: string): void;
  onClose(): void;
}) {
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
      <ListView
        rows={kinds.map((k, i) => ({ text: `${i + 1} ${fit(k.title, nameW)}${k.description}` }))}
        selected={cursor}
        width={width}
        height={Math.max(1, height - 1)}
        focused
      />
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
