import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import type { Session } from '../session.js';
import { describeExport, EXPORT_FORMATS, ONNX_INPUT, ONNX_OUTPUT, type ExportFormat } from './describe.js';
import { writeExport } from './write.js';

export interface ExportOutcome {
  format: ExportFormat;
  out: string;
  /** the files written, the main one first */
  files: string[];
  /** bytes of the main file (the model) */
  bytes: number;
  seconds: number;
  warnings: string[];
}

export function parseExportFormat(s: string | undefined): ExportFormat {
  if (!s) throw new UsageError('--format is required', `one of: ${EXPORT_FORMATS.join(', ')}`);
  if (!(EXPORT_FORMATS as string[]).includes(s)) throw new UsageError(`unknown export format "${s}"`, `one of: ${EXPORT_FORMATS.join(', ')}`);
  return s as ExportFormat;
}

function petlabVersion(): string {
  return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Export a saved model (loaded into the session unless it is the one loaded) in one format. */
export async function exportModel(session: Session, dir: string, format: ExportFormat, out: string): Promise<ExportOutcome> {
  const t0 = performance.now();
  const meta = session.model && path.resolve(session.model.dir) === path.resolve(dir) ? session.model.meta : await session.loadModel(dir);
  const description = describeExport(meta, path.resolve(dir), petlabVersion(), { input: ONNX_INPUT, output: ONNX_OUTPUT });
  const artifacts = await session.pool.main.call('exportArtifacts', { formats: [format === 'onnx' ? 'onnx' : 'tfjs'], description });
  const warnings: string[] = [];
  const custom = artifacts.tfjs?.customLayers ?? [];
  if (custom.length)
    warnings.push(
      `the tfjs model uses petlab's layer classes ${custom.join(', ')}: a tfjs program must register them to load it (the ONNX export needs nothing)`,
    );
  const files = await writeExport(format, out, artifacts, description);
  const main =
    format === 'web'
      ? path.join(path.dirname(files[0]), 'model', 'weights.bin')
      : format === 'tfjs'
        ? path.join(path.dirname(files[0]), 'weights.bin')
        : files[0];
  const bytes = (await fs.stat(main)).size;
  return { format, out: path.resolve(out), files, bytes, seconds: (performance.now() - t0) / 1000, warnings };
}
