/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
import { Box, Text } from 'ink';
import { fit, windowStart } from './text.js';

export interface Row {
  text: string;
  color?: string;
  dim?: boolean;
}

/**
 * A scrolling list exactly `width`×`height` cells: the selected row is drawn inverted when the
 * pane has focus (bold otherwise), and the window follows the selection.
 */
export function ListView({ rows, selected, width, height, focused }: { rows: Row[]; selected: number; width: number; height: number; focused: boolean }) {
  const start = windowStart(rows.length, selected, height);
  const shown = rows.slice(start, start + height);
  const more = rows.length > height;
  return (
    <Box flexDirection="column" width={width} height={Math.min(height, Math.max(1, rows.length))} flexShrink={0}>
      {shown.map((r, i) => {
        const idx = start + i;
        const sel = idx === selected;
        // a scroll hint in the last column when the list is longer than the window
        const edge = more && i === 0 && start > 0 ? '↑' : more && i === shown.length - 1 && start + height < rows.length ? '↓' : ' ';
        return (
          <Text key={idx} inverse={sel && focused} bold={sel} color={sel ? undefined : r.color} dimColor={r.dim && !sel} wrap="truncate">
            {fit(r.text, width - 1) + edge}
          </Text>
        );
      })}
    </Box>
  );
}
