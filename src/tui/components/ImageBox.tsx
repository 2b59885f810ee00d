/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/** A picture drawn inline (half blocks) with a caption line: the Dataset, Review, Predictions and Pairs panes use it. */
import { Box, Text } from 'ink';
import type { ReactElement } from 'react';
import { useImageLines } from '../image/use-image.js';
import { fit } from './text.js';

/** A picture fitted into width × (height-1) cells, with a caption line under it. */
export function ImageBox({
  file,
  caption,
  width,
  height,
  captionColor,
  captionInverse,
}: {
  file?: string;
  caption: string;
  width: number;
  height: number;
  captionColor?: string;
  /** the caption in reverse video (the picture the cursor is on) */
  captionInverse?: boolean;
}) {
  const imgRows = Math.max(0, height - 1);
  const img = useImageLines(file, width, imgRows);
  let body: ReactElement[];
  if (!file || imgRows < 1) body = [];
  else if (!img || img.status === 'loading')
    body = [
      <Text key="l" dimColor>
        {fit('drawing…', width)}
      </Text>,
    ];
  else if (img.status === 'error')
    body = [
      <Text key="e" color="red" wrap="truncate">
        {fit(img.error, width)}
      </Text>,
    ];
  else body = img.lines.map((l, i) => <Text key={i}>{l}</Text>);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Box flexDirection="column" height={imgRows} justifyContent="center">
        {body}
      </Box>
      <Text wrap="truncate" color={captionColor} inverse={captionInverse}>
        {fit(caption, width)}
      </Text>
    </Box>
  );
}
