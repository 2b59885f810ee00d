/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { FOCUS_COLOR, FRAME_COLOR, HEAVY, LIGHT, topEdge } from './frame-text.js';

export { FOCUS_COLOR, FRAME_COLOR, HEAVY, LIGHT, topEdge } from './frame-text.js';

/**
 * A pane's border: heavy and green when focused, thin and grey otherwise, with "N Title" in the
 * top edge like a tmux pane-border-status. Children get (width-2)×(height-2) cells.
 *
 * The border is drawn as text rather than with Ink's borderStyle: Ink applies only the props that
 * changed, so switching borderStyle on focus would bring back a hidden top border and shift the
 * pane's content by a line.
 */
export function PaneFrame({
  width,
  height,
  label,
  focused,
  children,
}: {
  width: number;
  height: number;
  label: string;
  focused: boolean;
  children: ReactNode;
}) {
  const color = focused ? FOCUS_COLOR : FRAME_COLOR;
  const b = focused ? HEAVY : LIGHT;
  const inner = Math.max(0, height - 2);
  const side = Array.from({ length: inner }, () => b.v).join('\n');
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text color={color} bold={focused} wrap="truncate">
        {topEdge(width, label, focused)}
      </Text>
      <Box flexDirection="row" width={width} height={inner} flexShrink={0}>
        <Text color={color} bold={focused}>
          {side}
        </Text>
        <Box width={Math.max(0, width - 2)} height={inner} flexDirection="column" overflowY="hidden" flexShrink={0}>
          {children}
        </Box>
        <Text color={color} bold={focused}>
          {side}
        </Text>
      </Box>
      <Text color={color} bold={focused} wrap="truncate">
        {b.bl + b.h.repeat(Math.max(0, width - 2)) + b.br}
      </Text>
    </Box>
  );
}
