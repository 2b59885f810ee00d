import path from 'node:path';
import { modelViewImage } from '../../core/explain/model-view.js';
import { overlayHeatmap } from '../../core/explain/overlay.js';
import { rgbPng } from '../../core/explain/png.js';
import { float, int, str, type Command } from '../command.js';
import { pct } from '../../text/format.js';
import { colormapArg, colormapOption, imageArg, MODEL_OR_BACKBONE_OPTIONS, openExplainSession, outArg, writePng } from './explain-common.js';

const USAGE = 'petlab explain (--model DIR | --backbone NAME|PATH) IMG [--class NAME] [--layer NAME] --out cam.png [--json]';

/** Where in the map its weight is centred, as fractions of width and height. */
function centreOfMass(cam: Float32Array, h: number, w: number): { x: number; y: number } {
  let sx = 0;
  let sy = 0;
  let s = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = cam[y * w + x];
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
      s += v;
    }
  }
  return s > 0 ? { x: sx / s / w, y: sy / s / h } : { x: 0.5, y: 0.5 };
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Grad-CAM: where in an image the model finds the evidence for a class, drawn over it',
  usage: USAGE,
  allowPositionals: true,
  options: {
    class: { type: 'string', arg: 'NAME', description: 'the class to explain (default: the predicted one); a name or an index' },
    layer: { type: 'string', arg: 'NAME', description: 'the conv layer to take the map at (default: the last spatial one)' },
    out: { type: 'string', arg: 'FILE', description: 'the PNG to write: the image with the map over it' },
    alpha: { type: 'string', arg: 'A', description: 'opacity of the map where it is strongest (default 0.6)' },
    size: { type: 'string', arg: 'PX', description: 'longest side of the PNG (default 512)' },
    colormap: colormapOption('inferno'),
    ...MODEL_OR_BACKBONE_OPTIONS,
  },
  details: "With --model, the trained head is explained; with --backbone, the backbone's own pretrained (ImageNet) classifier.",
  async run(ctx) {
    const image = await imageArg(ctx, USAGE);
    const out = outArg(ctx, 'overlay');
    const alpha = float(ctx, 'alpha', 0.6, 0, 1);
    const size = int(ctx, 'size', 512, 16, 4096);
    const colormap = colormapArg(ctx, 'inferno');
    const { session, modelDir } = await openExplainSession(ctx);
    try {
      const bb = session.requireBackbone();
      const r = await session.gradCam(image, { className: str(ctx, 'class'), layer: str(ctx, 'layer') });
      const predicted = r.top[0];
      const com = centreOfMass(r.cam, r.camHeight, r.camWidth);
      let written: { width: number; height: number } | undefined;
      if (out) {
        const view = await modelViewImage(image, session.opts.resize, size);
        await writePng(out, await rgbPng(overlayHeatmap(view, r.cam, r.camHeight, r.camWidth, { alpha, colormap })));
        written = { width: view.width, height: view.height };
      }
      const others = r.top.slice(1, 3).map((t) => `${t.className} ${pct(t.probability, 1)}`);
      ctx.reporter.print(
        [
          `${path.basename(image)}: predicted ${predicted.className} ${pct(predicted.probability, 1)}${others.length ? ` (then ${others.join(', ')})` : ''}  [${r.target === 'head' ? 'trained head' : `${bb.spec.name} pretrained top`}]`,
          `Grad-CAM for "${r.className}" (p = ${pct(r.probabilities[r.classIndex], 1)}) at ${r.layer} (${r.layerShape.join('x')}): centred at ${Math.round(com.x * 100)}% across, ${Math.round(com.y * 100)}% down${r.camMax > 0 ? '' : ' — nothing in the image supports this class at this layer'}`,
          ...(out && written ? [`wrote ${out} (${written.width}x${written.height})`] : []),
        ].join('\n'),
      );
      ctx.reporter.result({
        command: 'explain',
        image,
        model: modelDir ?? null,
        backbone: bb.spec.name,
        target: r.target,
        layer: r.layer,
        layerShape: r.layerShape,
        class: { index: r.classIndex, name: r.className, probability: r.probabilities[r.classIndex], score: r.score, scoreKind: r.scoreKind },
        predictions: r.top,
        cam: { height: r.camHeight, width: r.camWidth, max: r.camMax, values: Array.from(r.cam), centre: com },
        out: out ?? null,
        size: written ?? null,
        timings: r.timings,
      });
      return 0;
    } finally {
      await session.close();
    }
  },
};
