/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/** The panes as nested rows and columns of exactly sized boxes, from the layout tree. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { firstShare, fits, focusedPane, paneCount, paneNumber, type Layout } from '../layout/tree.js';
import { paneKind } from '../panes/index.js';
import { PaneFrame } from './PaneFrame.js';
import { fit } from './text.js';

/** The panes as nested rows and columns of exactly sized boxes. */
export function Panes({ layout, width, height }: { layout: Layout; width: number; height: number }) {
  // too many panes for this screen: show the focused one alone rather than broken boxes
  const tooSmall = !layout.zoomed && !fits(layout, width, height);
  const shown = tooSmall ? { ...layout, zoomed: true } : layout;
  return (
    <Box width={width} height={height} flexShrink={0}>
      <NodeView node={shown.zoomed ? focusedPane(shown) : shown.root} layout={shown} width={width} height={height} note={tooSmall ? ` [zoomed: ${paneCount(layout)} panes do not fit]` : shown.zoomed ? ' [Z]' : ''} />
    </Box>
  );
}

function NodeView({ node, layout, width, height, note }: { node: Layout['root']; layout: Layout; width: number; height: number; note: string }) {
  if (node.type === 'leaf') return <PaneView id={node.id} kind={node.kind} layout={layout} width={width} height={height} note={note} />;
  const share = firstShare(node, width, height);
  const aW = node.dir === 'h' ? share : width;
  const aH = node.dir === 'v' ? share : height;
  return (
    <Box flexDirection={node.dir === 'h' ? 'row' : 'column'} width={width} height={height} flexShrink={0}>
      <NodeView node={node.a} layout={layout} width={aW} height={aH} note={note} />
      <NodeView node={node.b} layout={layout} width={node.dir === 'h' ? width - aW : width} height={node.dir === 'v' ? height - aH : height} note={note} />
    </Box>
  );
}

function PaneView({ id, kind, layout, width, height, note }: { id: number; kind: string; layout: Layout; width: number; height: number; note: string }) {
  const focused = layout.focus === id;
  const number = paneNumber(layout, id);
  return <PaneBox id={id} kind={kind} number={number} width={width} height={height} focused={focused} note={focused ? note : ''} />;
}

/** One pane, redrawn only when its own props change (not when another pane takes the focus). */
const PaneBox = memo(function PaneBox({ id, kind, number, width, height, focused, note }: { id: number; kind: string; number: number; width: number; height: number; focused: boolean; note: string }) {
  const k = paneKind(kind);
  const Body = k?.component;
  return (
    <PaneFrame width={width} height={height} label={`${number} ${k?.title ?? kind}${note}`} focused={focused}>
      {Body ? <Body id={id} width={width - 2} height={height - 2} focused={focused} /> : <Text color="red">{fit(`unknown pane kind "${kind}"`, width - 2)}</Text>}
    </PaneFrame>
  );
});
