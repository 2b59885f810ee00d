import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseExportFormat } from '../../core/export/run.js';
import { assertWritableDir } from '../../core/io/output-dir.js';
import { readSavedModelMeta } from '../../core/model/meta.js';
import { bytes, duration } from '../../text/format.js';
import { SESSION_OPTIONS, str, type Command } from '../command.js';
import { withSession } from '../dataset-session.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a trained model as ONNX, a tfjs model, or a web page that runs it',
  usage: 'petlab export --model DIR --format onnx|tfjs|web --out PATH',
  options: {
    model: { type: 'string', arg: 'DIR', description: 'model folder written by `petlab train`' },
    format: { type: 'string', arg: 'FORMAT', description: 'onnx (one graph, opset 13) | tfjs (layers model) | web (page + tfjs model, offline)' },
    out: { type: 'string', arg: 'PATH', description: 'FILE.onnx, or a new folder (tfjs, web; onnx writes model.onnx in it)' },
    ...SESSION_OPTIONS,
  },
  details: [
    'Every format takes float32 [N, H, W, 3] RGB pixels 0-255 of a picture already resized to the',
    "model's input size (the resize mode is in petlab-export.json); the backbone's normalisation is",
    'inside; the output is softmax probabilities [N, classes]. labels.txt and petlab-export.json are',
    'written beside the model.',
  ].join('\n'),
  async run(ctx) {
    const modelDir = str(ctx, 'model');
    if (!modelDir) throw new UsageError('--model DIR is required', 'give the folder written by `petlab train --out DIR`');
    const format = parseExportFormat(str(ctx, 'format'));
    const out = str(ctx, 'out');
    if (!out) throw new UsageError('--out PATH is required', format === 'onnx' ? 'e.g. --out model.onnx' : 'e.g. --out exported/');
    await readSavedModelMeta(modelDir); // a wrong --model is reported before TensorFlow starts
    // and an unwritable --out (a missing or file-blocked parent is left to the writer, which says which)
    const parent = path.dirname(path.resolve(out));
    if ((await stat(parent).catch(() => undefined))?.isDirectory()) await assertWritableDir(parent, 'the export', 'choose a writable --out');
    return withSession(ctx, async (session) => {
      const r = await session.exportModel(modelDir, format, out);
      for (const w of r.warnings) ctx.reporter.event({ type: 'warning', code: 'other', message: w });
      ctx.reporter.print(
        `exported ${format} to ${r.files[0]} (${bytes(r.bytes)}, ${duration(r.seconds)}); beside it: ${r.files
          .slice(1)
          .map((f) => path.basename(f))
          .join(', ')}`,
      );
      ctx.reporter.result({ command: 'export', ...r });
      return 0;
    });
  },
};
