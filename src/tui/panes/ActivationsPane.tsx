/* @jsxRuntime automatic @jsxImportSource react */
// (the pragma keeps the JSX transform when petlab runs from a folder without this tsconfig.json)
/**
 * Activations pane: what the layer picked in the Model stack (j/k there) does with the image last
 * selected in Dataset or Predictions — its feature maps as a grid of small heat maps, strongest
 * channels first, with the layer's name, shape and the channel numbers. h/l page through the
 * channels, j/k move between maps, enter zooms one (esc backs out). Dense layers (the head, a
 * pooled embedding) have 1×1 maps: their units are drawn as bars instead, with class names for
 * the head's logits. The pane asks the worker after a short pause (holding j in the Model stack
 * computes only where it stops) and never waits for it.
 */
import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect, useRef, useState } from 'react';
import { useLiveState } from '../hooks/live-state.js';
import type { LayerRow } from '../../core/backbones/layer-summary.js';
import type { ActivationPage, ActivationRequest } from '../../core/explain/activations.js';
import { bar } from '../../text/format.js';
import { fit, fitTail, shapeText, stringWidth } from '../components/text.js';
import { useController, useStore, useWorkbench } from '../contexts.js';
import type { WorkbenchController } from '../controller/controller.js';
import { usePaneKeys } from '../hooks/pane-keys.js';
import { heatTileLines, tileRows } from '../image/heat.js';
import type { WorkbenchState } from '../state/types.js';
import type { PaneProps } from './registry.js';

/** Pause after the last change of layer, image or page before the worker is asked. */
export const ACTIVATIONS_DEBOUNCE_MS = 120;

/** The layer shown when none was picked: the last spatial map of the backbone (what Grad-CAM uses). */
export function defaultLayer(layers: LayerRow[]): LayerRow | undefined {
  const spatial = layers.filter((l) => l.inspectable && l.outputShape.length === 4 && (l.outputShape[1] ?? 0) * (l.outputShape[2] ?? 0) > 1);
  return spatial.at(-1) ?? layers.filter((l) => l.inspectable).at(-1);
}

/** Why the worker cannot be asked now (it is busy training, or not there yet). */
function waitReason(s: WorkbenchState): string | undefined {
  if (s.tf.status === 'starting') return 'TensorFlow is still starting…';
  if (s.tf.status === 'failed') return `TensorFlow did not start (${s.tf.error ?? 'see the log'})`;
  if (s.backbone.status !== 'ready') return 'the backbone is loading…';
  const k = s.task?.kind;
  if (k === 'train' || k === 'fine-tune' || k === 'lr-find')
    return `${k === 'train' ? 'training' : k === 'fine-tune' ? 'fine-tuning' : 'lr-find'} is running: the maps are drawn when it ends`;
  if (k === 'load-backbone' || k === 'load-model') return 'a model is loading…';
  return undefined;
}

/** Grid geometry: tiles of `tw` cells × `th` rows, a caption line under each, one cell between. */
export function activationGrid(width: number, height: number, mh: number, mw: number): { tw: number; th: number; cols: number; rows: number } {
  const fit = (tw: number) => {
    const th = tileRows(tw, mh, mw);
    return { tw, th, cols: Math.max(1, Math.floor((width + 1) / (tw + 1))), rows: Math.max(1, Math.floor(height / (th + 1))) };
  };
  // the largest tiles that still show a dozen maps (or as many as fit at the smallest)
  for (const tw of [16, 14, 12, 10, 8]) {
    const g = fit(Math.min(tw, width));
    if (g.cols * g.rows >= 12) return g;
  }
  return fit(Math.max(4, Math.min(6, width)));
}

/** The page line that fits after `lead`, or its short form. */
function longest(lead: string, width: number, long: string, short: string): string {
  return stringWidth(lead + long) <= width ? long : short;
}

type Result = { key: string; page?: ActivationPage; error?: string };

/**
 * One page of activations for (file, request), asked after a pause, one request at a time (the
 * latest wins); the last answer stays on screen while the next is computed.
 */
function useActivationPage(
  controller: WorkbenchController,
  file: string | undefined,
  req: ActivationRequest | undefined,
  version: string,
  blocked: boolean,
): { current?: Result; loading: boolean } {
  const key = file && req ? JSON.stringify([file, req, version]) : '';
  const [result, setResult] = useState<Result | undefined>(undefined);
  const inflight = useRef(false);
  const queued = useRef<(() => void) | undefined>(undefined);
  const latestKey = useRef(key);
  latestKey.current = key;
  useEffect(() => {
    if (!key || blocked) return;
    if (result?.key === key) return;
    const run = () => {
      if (latestKey.current !== key) return next();
      inflight.current = true;
      controller
        .activations(file!, req!)
        .then(
          (page) => latestKey.current === key && setResult({ key, page }),
          (e: Error) =>
            latestKey.current === key && setResult({ key, error: e.message + ((e as { hint?: string }).hint ? ` (${(e as { hint?: string }).hint})` : '') }),
        )
        .finally(() => {
          inflight.current = false;
          next();
        });
    };
    const next = () => {
      const q = queued.current;
      queued.current = undefined;
      q?.();
    };
    const timer = setTimeout(() => {
      if (inflight.current) queued.current = run;
      else run();
    }, ACTIVATIONS_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, blocked]);
  return { current: result, loading: Boolean(key) && result?.key !== key };
}

export function ActivationsPane({ id, width, height, focused }: PaneProps) {
  const view = useWorkbench((s) => s.backbone.view);
  const picked = useWorkbench((s) => s.layer);
  const image = useWorkbench((s) => s.inspect ?? s.selection);
  const blockedWhy = useWorkbench(waitReason);
  const modelKey = useWorkbench((s) => (s.model ? `${s.model.dir}:${s.model.epochsDone}` : ''));
  const classes = useWorkbench((s) => s.model?.classes);
  const store = useStore();
  const controller = useController();

  const fallback = view ? defaultLayer(view.layers) : undefined;
  const layerName = picked?.name ?? fallback?.name;
  const part = picked?.part ?? 'backbone';
  const row = part === 'backbone' ? view?.layers.find((l) => l.name === layerName) : undefined;
  const shape = row ? row.outputShape : undefined;
  // maps of a spatial layer, or units of a dense one
  const spatial = part === 'backbone' && shape !== undefined && shape.length === 4 && (shape[1] ?? 1) * (shape[2] ?? 1) > 1;
  const mh = spatial ? (shape![1] ?? 1) : 1;
  const mw = spatial ? (shape![2] ?? 1) : 1;

  const navKey = `${part}:${layerName}:${image?.file}`;
  const [nav, setNav, navNow] = useLiveState({ key: navKey, page: 0, cursor: 0, zoom: false });
  const navFor = (v: typeof nav) => (v.key === navKey ? v : { key: navKey, page: 0, cursor: 0, zoom: false });
  const n0 = navFor(nav);

  const bodyH = Math.max(1, height - 3);
  const grid = activationGrid(width, bodyH, mh, mw);
  const perPage = spatial ? grid.cols * grid.rows : bodyH;
  const zoomCols = Math.max(4, Math.min(width, Math.round((bodyH * 2 * mw) / mh)));
  const notReady = !view
    ? 'the backbone is loading…'
    : !layerName
      ? 'this backbone has no layer with feature maps'
      : part === 'head' && !classes
        ? 'the head is not trained yet — alt+t trains it; j/k in the Model stack picks a backbone layer'
        : row && !row.inspectable
          ? `${row.name} (${row.type}) has no feature maps to show: pick a conv, depthwise, pooling or dense layer (j/k in the Model stack)`
          : undefined;
  const req: ActivationRequest | undefined =
    notReady || !layerName
      ? undefined
      : n0.zoom
        ? { layer: layerName, page: n0.page * perPage + n0.cursor, perPage: 1, maxMapSize: Math.max(zoomCols, bodyH * 2) }
        : { layer: layerName, page: n0.page, perPage, maxMapSize: spatial ? Math.max(16, grid.tw * 2) : 1 };
  const version = `${view?.name}:${modelKey}`;
  const { current, loading } = useActivationPage(controller, image?.file, req, version, Boolean(blockedWhy));
  const page = current?.page && current.page.layer === layerName ? current.page : undefined;
  const pages = page ? (n0.zoom ? Math.ceil(page.shape[2] / perPage) : page.pages) : 1;
  const onPage = page && !n0.zoom ? page.channels.length : perPage;

  usePaneKeys(
    id,
    (e) => {
      const n = navFor(navNow.current); // what the previous key left, even before React has drawn it
      const set = (o: Partial<typeof n>) => setNav({ ...n, ...o });
      if (!page) {
        if (e.action === 'left' || e.action === 'right' || e.action === 'select') {
          store.flash(
            notReady ? `activations: ${notReady}` : !image ? 'activations: select an image in the Dataset pane first' : 'activations: still computing…',
            'warn',
          );
          return true;
        }
        return false;
      }
      const channels = page.shape[2];
      switch (e.action) {
        case 'right':
        case 'left': {
          const step = e.action === 'right' ? 1 : -1;
          if (n.zoom) {
            const rank = Math.max(0, Math.min(channels - 1, n.page * perPage + n.cursor + step));
            set({ page: Math.floor(rank / perPage), cursor: rank % perPage });
          } else set({ page: Math.max(0, Math.min(pages - 1, n.page + step)), cursor: 0 });
          return true;
        }
        case 'down':
        case 'up':
          if (n.zoom) return true;
          set({ cursor: Math.max(0, Math.min(onPage - 1, n.cursor + (e.action === 'down' ? 1 : -1))) });
          return true;
        case 'pageDown':
        case 'pageUp':
          set({ page: Math.max(0, Math.min(pages - 1, n.page + (e.action === 'pageDown' ? 1 : -1))), cursor: 0 });
          return true;
        case 'select':
          if (!spatial) store.flash('activations: a dense layer has one value per unit: nothing to zoom', 'warn');
          else set({ zoom: !n.zoom });
          return true;
        case 'back':
          if (!n.zoom) return false;
          set({ zoom: false });
          return true;
      }
      return false;
    },
    { hints: n0.zoom ? ['h/l channel', 'esc grid'] : spatial ? ['h/l page', 'j/k map', 'enter zoom'] : ['h/l page'] },
  );

  // the shape always shows; a long layer name keeps its distinctive end
  const type = row?.type ?? page?.type ?? '';
  const shapeStr = row ? shapeText(row.outputShape.slice(1)) : page ? (page.shape[0] * page.shape[1] === 1 ? String(page.shape[2]) : page.shape.join('×')) : '';
  const what = type ? `${type} ${shapeStr}` : '';
  // the name (its distinctive end when long) and the shape always show; narrow panes move the type to line 2
  const together = layerName && what && layerName.length + what.length + 3 <= width + 12;
  const withShape = !together && layerName && shapeStr && width - shapeStr.length - 3 >= 6;
  const title = !layerName
    ? 'Activations'
    : together
      ? `${fitTail(layerName, Math.max(8, width - what.length - 3)).trimEnd()} · ${what}`
      : withShape
        ? `${fitTail(layerName, width - shapeStr.length - 3).trimEnd()} · ${shapeStr}`
        : fitTail(layerName, width);
  const lead = !layerName || together || !what ? '' : withShape ? `${type} · ` : `${what} · `;
  let lines: { text: string; color?: string; dim?: boolean; raw?: boolean }[] = [];
  let sub = '';
  const imgName = image ? path.basename(image.file) : '';
  if (notReady) lines = [{ text: notReady, color: notReady.includes('no feature maps') ? 'yellow' : undefined, dim: !notReady.includes('no feature maps') }];
  else if (!image)
    lines = [
      {
        text: 'Select an image in the Dataset pane (enter on a class, then j/k), or predict one: its feature maps are drawn here. j/k in the Model stack picks the layer.',
        dim: true,
      },
    ];
  else if (blockedWhy && !page) lines = [{ text: blockedWhy, dim: true }];
  else if (current?.error && current.key && !loading) lines = [{ text: current.error, color: 'red' }];
  else if (!page) lines = [{ text: `computing ${layerName} for ${imgName}…`, dim: true }];
  else if (n0.zoom) {
    const c = page.channels[0];
    sub = `channel #${c.channel} · rank ${page.firstRank + 1} of ${page.shape[2]} · mean ${c.mean.toFixed(3)} max ${c.max.toFixed(3)} · ${(c.active * 100).toFixed(0)}% active`;
    const rows = Math.max(1, Math.min(bodyH, Math.round((zoomCols * page.mapHeight) / page.mapWidth / 2)));
    lines = heatTileLines(page.heat, 0, page.mapHeight, page.mapWidth, zoomCols, rows).map((t) => ({ text: t, raw: true }));
  } else if (spatial) {
    const first = page.firstRank + 1;
    sub = longest(
      lead,
      width,
      `channels ranked ${first}–${page.firstRank + page.channels.length} of ${page.shape[2]} (page ${page.page + 1}/${page.pages})`,
      `${first}–${page.firstRank + page.channels.length} of ${page.shape[2]} (${page.page + 1}/${page.pages})`,
    );
    const { tw, th, cols } = grid;
    const size = page.mapHeight * page.mapWidth;
    const tiles = page.channels.map((_, i) => heatTileLines(page.heat, i * size, page.mapHeight, page.mapWidth, tw, th));
    for (let r0 = 0; r0 < page.channels.length; r0 += cols) {
      const idx = page.channels.slice(r0, r0 + cols).map((_, j) => r0 + j);
      for (let y = 0; y < th; y++) lines.push({ text: idx.map((i) => tiles[i][y]).join(' '), raw: true });
      lines.push({
        text: idx.map((i) => `\x1b[${i === n0.cursor && focused ? '7' : '2'}m${fit(`#${page.channels[i].channel}`, tw)}\x1b[0m`).join(' '),
        raw: true,
      });
    }
  } else {
    // dense: one bar per unit, strongest first, with class names for the head's logits
    sub = longest(
      lead,
      width,
      `units ranked ${page.firstRank + 1}–${page.firstRank + page.channels.length} of ${page.shape[2]} (page ${page.page + 1}/${page.pages})`,
      `${page.firstRank + 1}–${page.firstRank + page.channels.length} of ${page.shape[2]} (${page.page + 1}/${page.pages})`,
    );
    const names = part === 'head' && classes && page.shape[2] === classes.length ? classes : undefined;
    const maxAbs = Math.max(1e-9, ...page.channels.map((c) => Math.abs(page.maps[page.channels.indexOf(c)])));
    const nameW = Math.min(24, Math.max(8, ...page.channels.map((c) => (names ? names[c.channel].length : 0) + 7)));
    const barW = Math.max(4, width - nameW - 10);
    lines = page.channels.map((c, i) => {
      const v = page.maps[i];
      const label = names ? `#${c.channel} ${names[c.channel]}` : `unit #${c.channel}`;
      return { text: `${fit(label, nameW)} ${bar(Math.abs(v) / maxAbs, barW)} ${v.toFixed(3).padStart(8)}`, color: v < 0 ? 'red' : 'cyan' };
    });
  }
  // which picture, then how to read the maps
  const foot = page
    ? [
        imgName,
        page.note ??
          (!n0.zoom && spatial
            ? `map ${page.mapHeight}×${page.mapWidth}${page.mapHeight < mh ? ` (pooled from ${mh}×${mw})` : ''} · strongest first (mean |activation|)`
            : ''),
      ]
        .filter(Boolean)
        .join(' · ')
    : '';
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate" color="cyan">
        {fit(title, width)}
      </Text>
      <Text dimColor wrap="truncate">
        {fit(`${stringWidth(lead + sub) <= width || !sub ? lead : ''}${sub}${loading && page ? '  (updating…)' : ''}` || (loading ? 'computing…' : ' '), width)}
      </Text>
      <Box flexDirection="column" height={bodyH} flexShrink={0}>
        {lines.slice(0, bodyH).map((l, i) =>
          l.raw ? (
            <Text key={i}>{l.text}</Text>
          ) : (
            <Text key={i} color={l.color} dimColor={l.dim} wrap={lines.length === 1 ? 'wrap' : 'truncate'}>
              {lines.length === 1 ? l.text : fit(l.text, width)}
            </Text>
          ),
        )}
      </Box>
      <Text dimColor wrap="truncate">
        {fit(foot, width)}
      </Text>
    </Box>
  );
}
