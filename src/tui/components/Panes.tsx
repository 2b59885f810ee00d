/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The panes, each an exactly sized box placed where the layout tree puts it. They are one flat list
 * keyed by pane, so a pane stays mounted — and keeps its folder, selection and scroll — whatever
 * the tree does around it: a split, a close, zoom (the others are hidden, not unmounted).
 */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { computeRects, fits, leaves, paneCount, type Layout, type Rect } from '../layout/tree.js';
import { paneKind } from '../panes/index.js';
import { PaneFrame } from './PaneFrame.js';
import { fit } from './text.js';

export function Panes({ layout, width, height }: { layout: Layout; width: number; height: number }) {
  // too many panes for this screen: show the focused one alone rather than broken boxes
  const tooSmall = !layout.zoomed && !fits(layout, width, height);
  const shown = tooSmall ? { ...layout, zoomed: true } : layout;
  const note = tooSmall ? ` [zoomed: ${paneCount(layout)} panes do not fit]` : shown.zoomed ? ' [Z]' : '';
  const rects = new Map(computeRects(shown, width, height).map((r) => [r.id, r]));
  // a pane hidden by zoom keeps its size, so nothing in it is redrawn for another one
  const tiled = shown.zoomed ? new Map(computeRects({ ...layout, zoomed: false }, width, height).map((r) => [r.id, r])) : rects;
  return (
    <Box width={width} height={height} flexShrink={0}>
      {leaves(layout.root).map((p) => {
        const r = rects.get(p.id);
        const focused = layout.focus === p.id;
        // the key holds the kind: a pane given another kind starts afresh
        return (
          <PaneBox
            key={`${p.id}:${p.kind}`}
            id={p.id}
            kind={p.kind}
            number={p.number}
            rect={r ?? tiled.get(p.id)!}
            visible={r !== undefined}
            focused={focused}
            note={focused ? note : ''}
          />
        );
      })}
    </Box>
  );
}

interface PaneBoxProps {
  id: number;
  kind: string;
  number: number;
  rect: Rect;
  visible: boolean;
  focused: boolean;
  note: string;
}

/** One pane, redrawn only when its own props change (not when another pane takes the focus). */
const PaneBox = memo(function PaneBox({ id, kind, number, rect, visible, focused, note }: PaneBoxProps) {
  const k = paneKind(kind);
  const Body = k?.component;
  const { x, y, width, height } = rect;
  // every style given each time: Ink applies only the props that changed
  return (
    <Box position="absolute" marginLeft={x} marginTop={y} width={width} height={height} display={visible ? 'flex' : 'none'} flexShrink={0}>
      <PaneFrame width={width} height={height} label={`${number} ${k?.title ?? kind}${note}`} focused={focused}>
        {Body ? (
          <Body id={id} width={width - 2} height={height - 2} focused={focused} />
        ) : (
          <Text color="red">{fit(`unknown pane kind "${kind}"`, width - 2)}</Text>
        )}
      </PaneFrame>
    </Box>
  );
}, samePane);

function samePane(a: PaneBoxProps, b: PaneBoxProps): boolean {
  const ra = a.rect;
  const rb = b.rect;
  return (
    a.id === b.id &&
    a.kind === b.kind &&
    a.number === b.number &&
    a.visible === b.visible &&
    a.focused === b.focused &&
    a.note === b.note &&
    ra.x === rb.x &&
    ra.y === rb.y &&
    ra.width === rb.width &&
    ra.height === rb.height
  );
}
