/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import type { PaneKeyEvent } from '../hooks/pane-keys.js';
import { completePath } from '../prompt/complete-path.js';
import { editText, fit, stringWidth } from './text.js';

export interface TextFieldState {
  value: string;
  candidates: string[];
  handle(e: PaneKeyEvent): boolean;
  /** start over with this text (a field opened again) */
  set(v: string): void;
}

/**
 * A one-line text field's state and keys: typing, backspace, ctrl+u, Tab completes a path (like a
 * shell), enter submits, esc cancels. It takes every key while open.
 */
export function useTextField(o: { initial?: string; paths?: boolean; onSubmit(v: string): void; onCancel(): void }): TextFieldState {
  const [value, setValue] = useState(o.initial ?? '');
  const [candidates, setCandidates] = useState<string[]>([]);
  const latest = useRef(value);
  latest.current = value;
  const handle = (e: PaneKeyEvent): boolean => {
    const k = e.stroke.key;
    if (k === 'escape') o.onCancel();
    else if (k === 'enter') o.onSubmit(latest.current.trim());
    else if (k === 'tab') {
      if (o.paths) {
        const typed = latest.current;
        void completePath(typed).then((c) => {
          if (latest.current !== typed) return; // typed on meanwhile
          setValue(c.value);
          setCandidates(c.candidates.length > 1 ? c.candidates : []);
        });
      }
    } else {
      const next = editText(latest.current, e.input, e.stroke);
      if (next !== undefined) {
        latest.current = next; // a key handled before the next render sees it
        setValue(next);
        setCandidates([]);
      }
    }
    return true;
  };
  const set = (v: string) => {
    latest.current = v;
    setValue(v);
    setCandidates([]);
  };
  return { value, candidates, handle, set };
}

/** "label: value▏" in `width` cells, the end of a long value kept in view; candidates below. */
export function TextField({ label, field, width, maxCandidates = 4 }: { label: string; field: TextFieldState; width: number; maxCandidates?: number }) {
  const room = Math.max(1, width - stringWidth(label) - 1);
  const shown = stringWidth(field.value) > room - 1 ? '…' + field.value.slice(-(room - 2)) : field.value;
  const cands = field.candidates.slice(0, maxCandidates);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text color="cyan">{label}</Text>
        <Text>{shown}</Text>
        <Text inverse> </Text>
      </Text>
      {cands.map((c, i) => (
        <Text key={i} dimColor wrap="truncate">
          {fit('  ' + c, width)}
        </Text>
      ))}
      {field.candidates.length > cands.length && (
        <Text dimColor wrap="truncate">
          {fit(`  … ${field.candidates.length - cands.length} more`, width)}
        </Text>
      )}
    </Box>
  );
}
