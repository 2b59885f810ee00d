/** Pane borders as plain text (no Ink): the frame of a pane, and the start-up splash uses it too. */
import { fit, stringWidth } from './text.js';

export const LIGHT = { tl: '┌', h: '─', tr: '┐', v: '│', bl: '└', br: '┘' };
export const HEAVY = { tl: '┏', h: '━', tr: '┓', v: '┃', bl: '┗', br: '┛' };

export const FOCUS_COLOR = 'green';
export const FRAME_COLOR = 'gray';

/** The top edge with the pane's number and title in it, exactly `width` cells. */
export function topEdge(width: number, label: string, focused: boolean): string {
  const b = focused ? HEAVY : LIGHT;
  if (width < 2) return b.tl.slice(0, width);
  const inner = width - 2;
  if (inner < 5) return b.tl + b.h.repeat(inner) + b.tr;
  const room = inner - 1; // one edge cell before the label
  let text = ` ${label} `;
  if (stringWidth(text) > room) text = fit(text, room);
  return b.tl + b.h + text + b.h.repeat(Math.max(0, room - stringWidth(text))) + b.tr;
}
