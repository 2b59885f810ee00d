/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * The Dataset pane's n: the selected picture and the pictures nearest to it, drawn inline as small
 * pictures, each with its class and cosine distance. A neighbour of another class than the selected
 * picture is marked ≠ (a likely mislabel or duplicate). j/k move the cursor among the neighbours,
 * the line under the pictures says which one it is; the pane's keys are in DatasetPane.tsx.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { ImageBox } from '../components/ImageBox.js';
import { fit, stringWidth } from '../components/text.js';
import { useWorkbench } from '../contexts.js';
import type { NeighboursView as Neighbours } from '../state/neighbours-view.js';
import { progressLine } from './LogPane.js';

/** The smallest tile worth drawing: a picture of 10 cells by 3 rows, and its caption. */
const MIN_TILE_W = 10;
const MIN_TILE_H = 4;

export interface TileGrid {
  cols: number;
  rows: number;
  /** one tile, caption included (tiles are one cell apart) */
  w: number;
  h: number;
}

/**
 * How to lay n pictures out in width × height cells: as many as fit, each as large as it can be
 * (a picture is square, a cell one pixel wide and two high). Undefined when not even two fit.
 */
export function tileGrid(width: number, height: number, n: number): TileGrid | undefined {
  let best: (TileGrid & { score: number }) | undefined;
  for (let rows = 1; rows <= n; rows++) {
    const h = Math.floor(height / rows);
    if (h < MIN_TILE_H) break;
    for (let cols = 1; cols <= n; cols++) {
      const w = Math.floor((width + 1) / cols) - 1;
      if (w < MIN_TILE_W) break;
      const shown = Math.min(n, rows * cols);
      // more pictures and bigger ones, alike: a grid of many stamps loses to one of a few clear pictures
      const score = shown * Math.min(w, 2 * (h - 1));
      if (shown >= 2 && (!best || score > best.score)) best = { cols, rows, w, h, score };
    }
  }
  return best && { cols: best.cols, rows: best.rows, w: best.w, h: best.h };
}

/** The first of the texts that fits in width cells (the last one, cut, when none does). */
function firstFitting(width: number, texts: string[]): string {
  return texts.find((t) => stringWidth(t) <= width) ?? texts[texts.length - 1];
}

export function NeighboursView({ nb, pos, width, height }: { nb: Neighbours | undefined; pos: number; width: number; height: number }) {
  const building = useWorkbench((s) => s.task?.kind === 'neighbours');
  const progress = useWorkbench((s) => (s.task?.kind === 'neighbours' ? s.progress : undefined));
  const pictures = useWorkbench((s) => s.neighbourIndex?.pictures);
  const list = nb?.list;
  const name = nb ? `${path.basename(nb.file)} (${nb.label})` : '';
  const head = !nb
    ? 'nearest pictures'
    : list
      ? firstFitting(width, [
          `nearest to ${name} · ${list.length} of ${pictures ?? '?'} pictures · ≠ another class`,
          `nearest to ${name} · ${list.length} of ${pictures ?? '?'}`,
        ])
      : `nearest to ${name}`;
  const title = (
    <Text bold wrap="truncate">
      {fit(head, width)}
    </Text>
  );
  if (!nb || !list) {
    const lines = !nb
      ? ['n on a picture shows its nearest ones']
      : nb.error
        ? [nb.error]
        : building
          ? ['embedding the pictures of the dataset (read from the cache where it has them)…', progress ? progressLine(progress, width) : '']
          : ['waiting to compute the embeddings…'];
    return (
      <Box flexDirection="column" width={width} height={height}>
        {title}
        {lines.map((l, i) => (
          <Text key={i} color={nb?.error ? 'red' : i ? 'cyan' : undefined} dimColor={!nb?.error && !i} wrap="truncate">
            {fit(l, width)}
          </Text>
        ))}
      </Box>
    );
  }
  const at = Math.max(0, Math.min(pos, list.length - 1));
  const cur = list[at];
  const other = (label: string) => label !== nb.label;
  const mark = cur && other(cur.label) ? ' ≠' : '';
  const foot = cur
    ? firstFitting(width, [
        `${at + 1}/${list.length} ${path.basename(cur.file)} · ${cur.label}${mark} · distance ${cur.distance.toFixed(3)} · ${cur.split}${mark ? ' · another class: mislabelled? a duplicate?' : ' · enter selects it'}`,
        `${at + 1}/${list.length} ${path.basename(cur.file)} · ${cur.label}${mark} · distance ${cur.distance.toFixed(3)} · ${cur.split}`,
        `${at + 1}/${list.length} ${path.basename(cur.file)} ${cur.label}${mark} ${cur.distance.toFixed(3)}`,
      ])
    : 'no other picture in the index';
  const grid = tileGrid(width, height - 2, list.length + 1);
  // the selected picture first, then the page of neighbours the cursor is on
  const slots = grid ? grid.cols * grid.rows - 1 : 0;
  const start = slots ? Math.floor(at / slots) * slots : 0;
  const tiles = grid
    ? [
        <ImageBox key="q" file={nb.file} caption={`▶ ${nb.label}`} captionColor="cyan" width={grid.w} height={grid.h} />,
        ...list
          .slice(start, start + slots)
          .map((p, i) => (
            <ImageBox
              key={p.file}
              file={p.file}
              caption={`${p.distance.toFixed(2)} ${other(p.label) ? '≠' : ''}${p.label}`}
              captionColor={other(p.label) ? 'yellow' : undefined}
              captionInverse={start + i === at}
              width={grid.w}
              height={grid.h}
            />
          )),
      ]
    : [];
  return (
    <Box flexDirection="column" width={width} height={height}>
      {title}
      {grid ? (
        <Box flexDirection="column" height={height - 2}>
          {Array.from({ length: Math.ceil(tiles.length / grid.cols) }, (_, r) => (
            <Box key={r} flexDirection="row" columnGap={1} height={grid.h}>
              {tiles.slice(r * grid.cols, (r + 1) * grid.cols)}
            </Box>
          ))}
        </Box>
      ) : (
        // too small for pictures: the neighbours as lines
        <Box flexDirection="column" height={height - 2}>
          {list.slice(Math.max(0, at - (height - 3)), Math.max(0, at - (height - 3)) + height - 2).map((p) => (
            <Text key={p.file} inverse={p === cur} color={other(p.label) ? 'yellow' : undefined} wrap="truncate">
              {fit(`${p.distance.toFixed(2)} ${other(p.label) ? '≠' : ' '}${p.label} ${path.basename(p.file)}`, width)}
            </Text>
          ))}
        </Box>
      )}
      <Text color={cur && other(cur.label) ? 'yellow' : 'cyan'} wrap="truncate">
        {fit(foot, width)}
      </Text>
    </Box>
  );
}
