/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The Review pane's p: the classes a picture can be moved into, one a row, the chosen one marked;
 * a window of them around the choice when there are more than fit.
 */
import { Box, Text } from 'ink';
import { fit } from '../components/text.js';

export function LabelPicker(p: { file: string; choices: string[]; suggested: string; sel: number; width: number; height: number }) {
  const rows = Math.max(1, p.height - 1);
  const first = Math.max(0, Math.min(p.sel - Math.floor(rows / 2), p.choices.length - rows));
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Text wrap="truncate">{fit(`move ${p.file} into:`, p.width)}</Text>
      {p.choices.slice(first, first + rows).map((c, i) => {
        const on = first + i === p.sel;
        return (
          <Text key={c} wrap="truncate" color={on ? 'cyan' : undefined} bold={on}>
            {fit(`${on ? '›' : ' '} ${c}/${c === p.suggested ? '  (suggested)' : ''}`, p.width)}
          </Text>
        );
      })}
    </Box>
  );
}
