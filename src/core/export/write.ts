import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { tempSibling, writeDirAtomic } from '../io/atomic.js';
import { explainFsFaults } from '../io/fs-errors.js';
import { PetlabError } from '../errors.js';
import type { ExportArtifacts } from '../worker/export-handlers.js';
import { labelsText, type ExportDescription, type ExportFormat } from './describe.js';
import { webAppScript, webIndexHtml } from './web-page.js';

/**
 * Writing an export. A folder (tfjs, web, or onnx given a folder) is built in a temp sibling and
 * renamed into place; FILE.onnx and the two files beside it are written as temp files and renamed
 * once all three are complete. Nothing is replaced that is not a petlab export.
 */

export const DESCRIPTION_FILE = 'petlab-export.json';
const OUR_ENTRIES = new Set([
  DESCRIPTION_FILE,
  'labels.txt',
  'model.onnx',
  'model.json',
  'weights.bin',
  'index.html',
  'app.js',
  'tf.min.js',
  'model',
  'README.txt',
]);

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

async function isOurDescription(file: string): Promise<boolean> {
  try {
    return (JSON.parse(await fs.readFile(file, 'utf8')) as { format?: string }).format === 'petlab-export';
  } catch {
    return false;
  }
}

/** A folder may be replaced when it is absent, empty, or a petlab export holding only its files. */
async function assertReplaceableFolder(dir: string): Promise<void> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory())
    throw new PetlabError(`${dir} is a file, not a folder`, { kind: 'usage', hint: 'give --out a new folder (or FILE.onnx for --format onnx)' });
  const entries = await fs.readdir(dir);
  if (!entries.length) return;
  if (!(await isOurDescription(path.join(dir, DESCRIPTION_FILE))) || entries.some((e) => !OUR_ENTRIES.has(e))) {
    throw new PetlabError(`${dir} is not empty and not a petlab export: refusing to replace it`, {
      kind: 'usage',
      hint: 'give --out a new or empty folder, or an earlier export to replace',
    });
  }
}

/** The tfjs bundle petlab itself runs (tf.min.js), for the web page: loaded from its folder, no CDN. */
function tfjsBrowserScript(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist', 'tf.min.js');
}

async function fillTfjs(dir: string, a: NonNullable<ExportArtifacts['tfjs']>): Promise<void> {
  await fs.writeFile(path.join(dir, 'model.json'), a.modelJson);
  await fs.writeFile(path.join(dir, 'weights.bin'), a.weights);
}

async function fillCommon(dir: string, d: ExportDescription): Promise<void> {
  await fs.writeFile(path.join(dir, 'labels.txt'), labelsText(d.classes));
  await fs.writeFile(path.join(dir, DESCRIPTION_FILE), JSON.stringify(d, null, 2) + '\n');
}

async function writeOnnxFile(file: string, onnx: Uint8Array, d: ExportDescription): Promise<string[]> {
  const dir = path.dirname(file);
  const beside = { labels: path.join(dir, 'labels.txt'), description: path.join(dir, DESCRIPTION_FILE) };
  if ((await fs.stat(file).catch(() => undefined))?.isDirectory())
    throw new PetlabError(`${file} is a folder`, { kind: 'usage', hint: 'give --out FILE.onnx, or a folder name without .onnx' });
  const ours = await isOurDescription(beside.description);
  if ((await exists(beside.description)) && !ours)
    throw new PetlabError(`${beside.description} exists and is not petlab's: refusing to overwrite it`, { kind: 'usage', hint: 'export into another folder' });
  if ((await exists(beside.labels)) && !ours)
    throw new PetlabError(`${beside.labels} exists and is not from a petlab export: refusing to overwrite it`, {
      kind: 'usage',
      hint: 'export into another folder',
    });
  await fs.mkdir(dir, { recursive: true });
  const parts: Array<[string, string | Uint8Array]> = [
    [file, onnx],
    [beside.labels, labelsText(d.classes)],
    [beside.description, JSON.stringify({ ...d, files: { model: path.basename(file) } }, null, 2) + '\n'],
  ];
  const temps = parts.map(([target]) => tempSibling(target));
  try {
    for (let i = 0; i < parts.length; i++) await fs.writeFile(temps[i], parts[i][1]);
    for (let i = 0; i < parts.length; i++) await fs.rename(temps[i], parts[i][0]);
  } finally {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
  }
  return parts.map(([f]) => f);
}

/** The nearest existing ancestor of p must be a folder (mkdir -p would say EEXIST, which means nothing to a user). */
async function assertParentWritable(p: string): Promise<void> {
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    const st = await fs.stat(dir).catch(() => undefined);
    if (st && !st.isDirectory())
      throw new PetlabError(`a file is in the way: ${dir} is a file, not a folder (writing the export to ${p})`, {
        hint: 'check the path, or choose another --out',
      });
    if (st || path.dirname(dir) === dir) return;
  }
}

/** Write the export; returns the paths written (the main file first). */
export async function writeExport(format: ExportFormat, out: string, a: ExportArtifacts, d: ExportDescription): Promise<string[]> {
  const target = path.resolve(out);
  await assertParentWritable(target);
  return explainFsFaults(
    async () => {
      if (format === 'onnx' && target.toLowerCase().endsWith('.onnx')) return writeOnnxFile(target, a.onnx!, d);
      await assertReplaceableFolder(target);
      await writeDirAtomic(target, async (tmp) => {
        if (format === 'onnx') await fs.writeFile(path.join(tmp, 'model.onnx'), a.onnx!);
        if (format === 'tfjs') await fillTfjs(tmp, a.tfjs!);
        if (format === 'web') {
          await fs.mkdir(path.join(tmp, 'model'));
          await fillTfjs(path.join(tmp, 'model'), a.tfjs!);
          await fs.copyFile(tfjsBrowserScript(), path.join(tmp, 'tf.min.js'));
          await fs.writeFile(path.join(tmp, 'index.html'), webIndexHtml(d));
          await fs.writeFile(path.join(tmp, 'app.js'), webAppScript());
        }
        await fillCommon(tmp, d);
      });
      const main = { onnx: 'model.onnx', tfjs: 'model.json', web: 'index.html' }[format];
      return [path.join(target, main), path.join(target, 'labels.txt'), path.join(target, DESCRIPTION_FILE)];
    },
    { where: target, doing: `writing the ${format} export`, fix: 'choose a writable --out' },
  );
}
