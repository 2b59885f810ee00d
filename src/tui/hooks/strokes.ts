/**
 * Every key the terminal sends, as strokes, in order. Ink's useInput hands a run of characters that
 * arrived in one read ("jjjjj") over as one string, which cannot be told from a paste; this hook
 * listens to the same input events Ink's parser emits (escape sequences already cut out) and makes
 * each character a stroke. Only a bracketed paste is delivered as text.
 */
import { useStdin } from 'ink';
import { useLayoutEffect, useMemo, useRef } from 'react';
import { InputParser, type InputItem } from '../keys/input.js';

export function useStrokes(onItems: (items: InputItem[]) => void): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const parser = useMemo(() => new InputParser(), []);
  const ref = useRef(onItems);
  ref.current = onItems;
  // a layout effect: listening within the commit that draws the first frame, so a key sent as
  // soon as the panes are seen reaches the router
  useLayoutEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const onInput = (data: string) => {
      const items = parser.push(data);
      if (items.length) ref.current(items);
    };
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported, parser]);
}
