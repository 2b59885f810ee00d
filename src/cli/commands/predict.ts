import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError, UsageError } from '../../core/errors.js';
import { readSavedModelMeta } from '../../core/model/meta.js';
import { modelFolderState } from '../../core/model/run-folder.js';
import { modelTta } from '../../core/train/mirror.js';
import { listImageFiles } from '../../core/data/scan.js';
import { SESSION_OPTIONS, int, str, type Command } from '../command.js';
import { bar, pct } from '../../text/format.js';
import { openSession } from '../session-from-flags.js';
import { TTA_OPTIONS, ttaChoice } from './tta-flags.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'classify image files with a trained model',
  usage: 'petlab predict --model DIR IMG|FOLDER... [--top K] [--json]',
  allowPositionals: true,
  options: {
    ...TTA_OPTIONS,
    model: { type: 'string', arg: 'DIR', description: 'model folder written by `petlab train`' },
    top: { type: 'string', arg: 'K', description: 'how many classes to show per image (default 5)' },
    ...SESSION_OPTIONS,
  },
  async run(ctx) {
    const modelDir = str(ctx, 'model');
    if (!modelDir) throw new UsageError('--model DIR is required', 'give the folder written by `petlab train --out DIR`');
    if (!ctx.positionals.length) throw new UsageError('no images given', 'usage: petlab predict --model DIR IMG|FOLDER...');
    const k = int(ctx, 'top', ctx.settings.topK, 1, 1000);
    const tta = ttaChoice(ctx);
    // a folder stands for the pictures directly inside it
    const files: string[] = [];
    for (const f of ctx.positionals) {
      const st = await fs.stat(f).catch(() => undefined);
      if (!st) throw new PetlabError(`image not found: ${f}`, { hint: 'check the path' });
      if (!st.isDirectory()) {
        files.push(f);
        continue;
      }
      const inside = await listImageFiles(f);
      if (!inside.length)
        throw new PetlabError(`no pictures in the folder ${f}`, { hint: 'give image files, or a folder that holds .jpg/.png/... files directly' });
      files.push(...inside);
    }
    // a stopped run, or a re-train waiting beside the model; a wrong --model is reported before TensorFlow starts
    const folder = await modelFolderState(modelDir, await readSavedModelMeta(modelDir));
    for (const n of folder.notes) ctx.reporter.note(n);
    const session = await openSession(ctx);
    try {
      const meta = await session.loadModel(modelDir);
      const preds = await session.predict(
        files.map((f) => path.resolve(f)),
        k,
        { tta },
      );
      for (const p of preds) {
        if (p.error) {
          ctx.reporter.print(`${p.file}: error: ${p.error}`);
          continue;
        }
        const w = Math.max(...p.top.map((t) => t.className.length));
        ctx.reporter.print([p.file, ...p.top.map((t) => `  ${t.className.padEnd(w)}  ${bar(t.probability, 20)} ${pct(t.probability, 1)}`)].join('\n'));
      }
      ctx.reporter.result({
        command: 'predict',
        model: path.resolve(modelDir),
        classes: meta.classes,
        tta: tta ?? modelTta(meta),
        predictions: preds,
        ...(folder.stopped ? { stoppedRun: folder.stopped } : {}),
        ...(folder.beside ? { runBeside: folder.beside } : {}),
      });
      return preds.some((p) => p.error) ? 1 : 0;
    } finally {
      await session.close();
    }
  },
};
