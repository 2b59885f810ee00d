import path from 'node:path';
import { PetlabError, UsageError } from '../../core/errors.js';
import { formatShape } from '../../core/explain/layers.js';
import { activationGridPng } from '../../core/explain/png.js';
import { bool, int, str, type Command } from '../command.js';
import { pct, table } from '../../text/format.js';
import { colormapArg, colormapOption, imageArg, MODEL_OR_BACKBONE_OPTIONS, openExplainSession, outArg, writePng } from './explain-common.js';

const USAGE =
  'petlab activations (--backbone NAME|PATH | --model DIR) --layer NAME IMG --out grid.png [--page N] [--channels K] [--json]\n       petlab activations (--backbone NAME|PATH | --model DIR) --list-layers';

export const activationsCommand: Command = {
  name: 'activations',
  summary: "draw a layer's feature maps for an image (strongest channels first) as a PNG grid",
  usage: USAGE,
  allowPositionals: true,
  options: {
    layer: { type: 'string', arg: 'NAME', description: 'the layer to show (see --list-layers)' },
    'list-layers': { type: 'boolean', description: 'list the layers whose maps can be shown, with their output shapes' },
    out: { type: 'string', arg: 'FILE', description: 'the PNG to write' },
    page: { type: 'string', arg: 'N', description: 'which page of channels, strongest first (default 1)' },
    channels: { type: 'string', arg: 'K', description: 'channels per page (default 16)' },
    'map-size': { type: 'string', arg: 'PX', description: 'larger maps are averaged down to at most this size (default 112)' },
    colormap: colormapOption('viridis'),
    ...MODEL_OR_BACKBONE_OPTIONS,
  },
  details:
    'Channels are ordered by mean |activation| over the map. Each tile is scaled to its own range (dark = 0).\n' +
    'Layers that the fast inference plan folds into a convolution (BatchNorm, activations) are computed layer by layer.',
  async run(ctx) {
    const list = bool(ctx, 'list-layers');
    const layer = str(ctx, 'layer');
    let image: string | undefined;
    let out: string | undefined;
    if (!list) {
      if (!layer) throw new UsageError('--layer NAME is required', 'list the layers with --list-layers');
      image = await imageArg(ctx, USAGE);
      out = outArg(ctx, 'grid');
    }
    const perPage = int(ctx, 'channels', 16, 1, 1024);
    const page = int(ctx, 'page', 1, 1);
    const maxMapSize = int(ctx, 'map-size', 112, 1, 1024);
    const colormap = colormapArg(ctx, 'viridis');

    const { session, modelDir } = await openExplainSession(ctx);
    try {
      const bb = session.requireBackbone();
      if (list) {
        const rows = (await session.explainLayers()).filter((r) => r.inspectable);
        ctx.reporter.print(
          [
            table(
              rows.map((r) => [r.index, r.name, r.type, formatShape(r.outputShape), r.part, r.fusedAway ? 'folded in the fast plan: computed unfused' : '']),
              ['#', 'layer', 'type', 'output', 'part', 'note'],
            ),
            '',
            `${rows.length} layers of ${bb.spec.name}${modelDir ? " and the model's head" : ''} can be shown: petlab activations --layer NAME IMG --out grid.png`,
          ].join('\n'),
        );
        ctx.reporter.result({
          command: 'activations',
          backbone: bb.spec.name,
          layers: rows.map((r) => ({ index: r.index, name: r.name, type: r.type, shape: r.outputShape.slice(1), part: r.part, fusedAway: r.fusedAway })),
        });
        return 0;
      }
      const p = await session.activations(image!, { layer: layer!, page: page - 1, perPage, maxMapSize });
      if (page > p.pages)
        throw new PetlabError(
          `page ${page} of ${p.layer} does not exist: its ${p.shape[2]} channels make ${p.pages} page${p.pages > 1 ? 's' : ''} of ${perPage}`,
          { kind: 'usage', hint: `use --page 1 to ${p.pages}, or --channels to change the page size` },
        );
      let grid: { width: number; height: number; columns: number; rows: number; tileWidth: number; tileHeight: number } | undefined;
      if (out) {
        const { png, layout } = await activationGridPng(p, { colormap });
        await writePng(out, png);
        grid = layout;
      }
      const ranked = p.channels.map((c, i) => ({ rank: p.firstRank + i + 1, ...c }));
      ctx.reporter.print(
        [
          `${p.layer} (${p.type}, ${p.part}) ${p.shape.join('x')} for ${path.basename(image!)}: channels ranked ${p.firstRank + 1}-${p.firstRank + p.channels.length} of ${p.shape[2]} (page ${p.page + 1}/${p.pages}), by mean |activation|`,
          ...(p.note ? [`note: ${p.note}`] : []),
          table(
            ranked.map((c) => [c.rank, c.channel, c.mean.toFixed(3), c.max.toFixed(3), pct(c.active, 1)]),
            ['rank', 'channel', 'mean', 'max', 'active'],
          ),
          ...(grid && out ? [`wrote ${out} (${grid.width}x${grid.height}: ${grid.columns}x${grid.rows} tiles of ${grid.tileWidth}x${grid.tileHeight})`] : []),
        ].join('\n'),
      );
      const order = Array.from(p.stats.order);
      ctx.reporter.result({
        command: 'activations',
        image,
        backbone: bb.spec.name,
        layer: p.layer,
        layerType: p.type,
        part: p.part,
        shape: p.shape,
        via: p.via,
        note: p.note ?? null,
        page: p.page + 1,
        pages: p.pages,
        perPage,
        mapSize: [p.mapHeight, p.mapWidth],
        channels: ranked,
        stats: order.map((ch, i) => ({
          rank: i + 1,
          channel: ch,
          mean: p.stats.mean[ch],
          max: p.stats.max[ch],
          active: p.stats.active[ch],
          strength: p.stats.strength[ch],
        })),
        out: out ?? null,
        grid: grid ?? null,
        timings: p.timings,
      });
      return 0;
    } finally {
      await session.close();
    }
  },
};
