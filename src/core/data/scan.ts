import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { isEnvironmentFault } from '../io/fs-errors.js';
import { hashString, makeRng, shuffleInPlace } from '../random.js';
import type { EventSink } from '../events.js';
import { balanceWarnings } from './report.js';
import { applyReviewDecisions } from './review-decisions.js';
import type { Dataset, DatasetItem, DatasetLayout, SkippedFile, SplitName } from './types.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff']);
const SPLIT_DIRS: Record<string, SplitName> = { train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test' };
/** Oxford-IIIT Pet file names: the breed, then _N. Capitalised breed = cat. */
const OXFORD_NAME = /^(.+)_(\d+)$/;

export interface ScanOptions {
  valFraction?: number;
  seed?: number;
  /** skipped files and dataset warnings, as they are found */
  onEvent?: EventSink;
}

/** A file name for a message: control characters (a newline in a name) escaped, never printed raw. */
export function printable(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1f\x7f]/.test(p) ? JSON.stringify(p).slice(1, -1) : p;
}

/** Collects skipped files and reports each one at once (a long scan is not silent until its end). */
class Skips extends Array<SkippedFile> {
  onEvent?: EventSink;
  note(file: string, reason: string): void {
    this.push({ file, reason });
    this.onEvent?.({ type: 'warning', code: 'skipped-file', message: `skipped ${printable(file)}: ${reason}`, file });
  }
}

function isHidden(name: string): boolean {
  return name.startsWith('.') || name === 'Thumbs.db' || name === '__MACOSX';
}

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/** The pictures directly inside a folder (by extension, hidden files left out), sorted by name. */
export async function listImageFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory() && !isHidden(e.name) && isImageName(e.name))
    .map((e) => path.join(dir, e.name))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** A folder's entries (hidden ones left out), sorted; a symlink counts as what it points to. */
async function listDir(dir: string): Promise<Array<{ name: string; dir: boolean; file: boolean }>> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out = [];
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    let d = e.isDirectory();
    let f = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await fs.stat(path.join(dir, e.name)).catch(() => undefined);
      d = !!st?.isDirectory();
      f = !!st?.isFile();
    }
    out.push({ name: e.name, dir: d, file: f });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Pictures of a class folder, those in its subfolders included (labelled by the class folder); a
 * symlinked folder is followed once (a loop is reported, not followed). Anything that is not an
 * image by name is reported, not silently dropped.
 */
async function imagesIn(dir: string, skipped: Skips, nested: { count: number; example?: string }, seen = new Set<string>(), depth = 0): Promise<string[]> {
  const real = await fs.realpath(dir).catch(() => dir);
  if (seen.has(real)) {
    skipped.note(dir, 'folder link loop: already scanned');
    return [];
  }
  seen.add(real);
  let entries;
  try {
    entries = await listDir(dir);
  } catch (e) {
    // a class folder petlab may not read is the user's to fix (named by scanDataset); a subfolder is reported
    if (depth === 0) throw e;
    skipped.note(dir, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.dir) {
      out.push(...(await imagesIn(p, skipped, nested, seen, depth + 1)));
    } else if (!e.file) skipped.note(p, 'broken link or not a regular file');
    else if (isImageName(e.name)) {
      out.push(p);
      if (depth > 0) {
        nested.count++;
        nested.example ??= p;
      }
    } else skipped.note(p, 'not an image file (by extension)');
  }
  return depth === 0 ? out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : out;
}

/**
 * Split each class's non-test items into train/val with a seeded shuffle, so the split is
 * stratified and the same for the same seed whatever order the file system lists files in.
 */
export function seededSplit(items: DatasetItem[], valFraction: number, seed: number, classes: string[]): void {
  const byClass = new Map<number, DatasetItem[]>();
  for (const it of items) {
    if (it.split === 'test') continue;
    const list = byClass.get(it.label) ?? [];
    list.push(it);
    byClass.set(it.label, list);
  }
  for (const [label, list] of byClass) {
    list.sort((a, b) => (a.file < b.file ? -1 : 1));
    const rng = makeRng(seed ^ hashString(classes[label]));
    shuffleInPlace(list, rng);
    // At least one validation image per class when the class has 2+ images and a split is asked for.
    let nVal = Math.round(list.length * valFraction);
    if (valFraction > 0 && nVal === 0 && list.length >= 2) nVal = 1;
    list.forEach((it, i) => (it.split = i < nVal ? 'val' : 'train'));
  }
}

async function scanClassFolders(
  root: string,
  split: SplitName | undefined,
  classIndex: Map<string, number>,
  classes: string[],
  items: DatasetItem[],
  skipped: Skips,
  nested: { count: number; example?: string },
): Promise<number> {
  let found = 0;
  for (const e of await listDir(root)) {
    if (!e.dir) continue;
    const files = await imagesIn(path.join(root, e.name), skipped, nested);
    if (!classIndex.has(e.name)) {
      classIndex.set(e.name, classes.length);
      classes.push(e.name);
    }
    const label = classIndex.get(e.name)!;
    for (const f of files) items.push({ file: f, label, split: split ?? 'train' });
    found++;
  }
  return found;
}

async function readSplitList(file: string): Promise<Map<string, number> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, classId] = line.trim().split(/\s+/);
    m.set(name, Number(classId));
  }
  return m;
}

async function scanOxford(root: string, imagesDir: string, items: DatasetItem[], skipped: Skips, classes: string[]): Promise<boolean> {
  const annDir = path.join(root, 'annotations');
  const trainval = await readSplitList(path.join(annDir, 'trainval.txt'));
  const test = await readSplitList(path.join(annDir, 'test.txt'));
  const official = trainval !== undefined && test !== undefined;
  const byBreed = new Map<string, { file: string; stem: string }[]>();
  for (const e of await listDir(imagesDir)) {
    if (e.dir) continue;
    const p = path.join(imagesDir, e.name);
    if (!isImageName(e.name)) {
      skipped.note(p, 'not an image file (by extension)');
      continue;
    }
    const stem = e.name.slice(0, -path.extname(e.name).length);
    const m = OXFORD_NAME.exec(stem);
    if (!m) {
      skipped.note(p, 'name is not Breed_N: no label');
      continue;
    }
    const list = byBreed.get(m[1]) ?? [];
    list.push({ file: p, stem });
    byBreed.set(m[1], list);
  }
  const names = [...byBreed.keys()].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  for (const n of names) classes.push(n);
  const classIndex = new Map(names.map((n, i) => [n, i]));
  for (const [breed, list] of byBreed) {
    // Annotation class ids must agree within a breed; a file whose id disagrees with its
    // breed's majority is mislabelled on one side or the other, so it is kept out of training.
    const ids = new Map<number, number>();
    const idOf = (stem: string) => trainval?.get(stem) ?? test?.get(stem);
    for (const { stem } of list) {
      const id = idOf(stem);
      if (id !== undefined) ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    const majority = [...ids.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const { file, stem } of list) {
      const id = idOf(stem);
      if (majority !== undefined && id !== undefined && id !== majority) {
        skipped.note(file, `mislabelled: annotations give class ${id}, other "${breed}" files have ${majority}`);
        continue;
      }
      const split: SplitName = official && test!.has(stem) ? 'test' : 'train';
      items.push({ file, label: classIndex.get(breed)!, split });
    }
  }
  return official;
}

/**
 * Find out what kind of dataset a folder is and list its labelled images:
 *  - Oxford-IIIT Pet: images/ of Breed_N.jpg (+ annotations/trainval.txt, test.txt as the split);
 *  - split folders: train/ (val/ or validation/, test/) each holding one folder per class;
 *  - class folders: one folder per class.
 * Validation is a seeded, stratified part of the training images unless the folder has its own.
 */
async function scanFolders(dir: string, opts: ScanOptions = {}): Promise<Dataset> {
  const valFraction = opts.valFraction ?? 0.2;
  const seed = opts.seed ?? 42;
  if (!(valFraction >= 0 && valFraction < 1))
    throw new PetlabError(`validation fraction ${valFraction} is out of range`, { kind: 'usage', hint: 'use a value in [0, 1), e.g. --val-split 0.2' });
  const root = path.resolve(dir);
  let st;
  try {
    st = await fs.stat(root);
  } catch {
    throw new PetlabError(`data folder not found: ${root}`, { hint: 'check the path given to --data, or run `petlab data get oxford-pets`' });
  }
  if (!st.isDirectory())
    throw new PetlabError(`--data must be a folder, got a file: ${root}`, {
      hint: 'point --data at the folder holding one subfolder per class (or images/ + annotations/)',
    });

  const items: DatasetItem[] = [];
  const skipped = new Skips();
  skipped.onEvent = opts.onEvent;
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    opts.onEvent?.({ type: 'warning', code: 'other', message });
  };
  const classes: string[] = [];
  const nested = { count: 0, example: undefined as string | undefined };
  let layout: DatasetLayout;
  let official = false;

  const entries = await listDir(root);
  const subdirs = entries.filter((e) => e.dir).map((e) => e.name);
  const looseImages = entries.filter((e) => e.file && isImageName(e.name));
  const oxfordName = (n: string) => isImageName(n) && OXFORD_NAME.test(n.slice(0, -path.extname(n).length));
  // images/ is Oxford's only when it holds Breed_N pictures; otherwise it is a class named "images"
  const oxfordImages = subdirs.includes('images') && (await listDir(path.join(root, 'images'))).some((e) => e.file && oxfordName(e.name));
  // train/ is a split folder only when it holds class folders; otherwise it is a class named "train"
  const splitDirs: string[] = [];
  for (const d of subdirs) if (d.toLowerCase() in SPLIT_DIRS && (await listDir(path.join(root, d))).some((e) => e.dir)) splitDirs.push(d);
  let described: string;

  if (oxfordImages && !splitDirs.length) {
    layout = 'oxford-pets';
    described = 'an Oxford-IIIT Pet folder (images/ of Breed_N pictures)';
    official = await scanOxford(root, path.join(root, 'images'), items, skipped, classes);
  } else if (looseImages.length > 0 && looseImages.every((e) => oxfordName(e.name)) && !subdirs.length) {
    // The images/ folder of an Oxford-style dataset given directly.
    layout = 'oxford-pets';
    described = 'the images/ folder of an Oxford-IIIT Pet dataset (Breed_N pictures)';
    official = await scanOxford(path.dirname(root), root, items, skipped, classes);
  } else if (splitDirs.some((d) => SPLIT_DIRS[d.toLowerCase()] === 'train')) {
    layout = 'split-folders';
    described = `split folders (${splitDirs.map((d) => `${d}/`).join(', ')}) of class folders`;
    const classIndex = new Map<string, number>();
    for (const d of splitDirs) await scanClassFolders(path.join(root, d), SPLIT_DIRS[d.toLowerCase()], classIndex, classes, items, skipped, nested);
    official = splitDirs.some((d) => SPLIT_DIRS[d.toLowerCase()] === 'val');
    const others = subdirs.filter((d) => !splitDirs.includes(d));
    if (others.length)
      warn(
        `${root} holds split folders (${splitDirs.join(', ')}), so ${others.join(', ')} beside them ${others.length > 1 ? 'are' : 'is'} not used as ${others.length > 1 ? 'classes' : 'a class'}`,
      );
  } else {
    layout = 'class-folders';
    described = 'class folders (one subfolder per class)';
    await scanClassFolders(root, undefined, new Map(), classes, items, skipped, nested);
    for (const e of looseImages) skipped.note(path.join(root, e.name), 'image outside any class folder: no label');
  }

  if (classes.length === 0) {
    throw new PetlabError(`no classes found in ${root} (read as ${described})`, {
      hint: 'put each class in its own subfolder (e.g. DIR/cats/*.jpg, DIR/dogs/*.jpg), or use an Oxford-IIIT Pet folder (images/ + annotations/)',
    });
  }
  const counts = new Array(classes.length).fill(0);
  for (const it of items) counts[it.label]++;
  const empty = classes.filter((_, i) => counts[i] === 0);
  if (empty.length) {
    throw new PetlabError(`class folder${empty.length > 1 ? 's' : ''} with no images in ${root}: ${empty.join(', ')}`, {
      hint: 'add images to each class folder or remove the empty folder',
    });
  }
  if (classes.length < 2) {
    throw new PetlabError(`only one class (${classes[0]}) in ${root} (read as ${described}): a classifier needs at least two`, {
      hint: 'put each class in its own subfolder, e.g. DIR/cats and DIR/dogs',
    });
  }
  if (layout === 'split-folders') {
    const inTrain = new Set(items.filter((i) => i.split === 'train').map((i) => i.label));
    const noTrain = classes.filter((_, i) => !inTrain.has(i));
    if (noTrain.length) {
      throw new PetlabError(
        `class${noTrain.length > 1 ? 'es' : ''} ${noTrain.join(', ')} ${noTrain.length > 1 ? 'have' : 'has'} pictures outside train/ but none in it: the model cannot learn ${noTrain.length > 1 ? 'them' : 'it'}`,
        {
          hint: `add training pictures to ${noTrain.map((c) => `train/${c}`).join(', ')}, or remove ${noTrain.length > 1 ? 'those folders' : 'that folder'} from the other splits`,
        },
      );
    }
  }
  if (nested.count) {
    warn(
      `${nested.count} picture${nested.count > 1 ? 's are' : ' is'} in subfolders of class folders (e.g. ${printable(path.relative(root, nested.example!))}): included, labelled by their class folder`,
    );
  }
  if (layout === 'split-folders' && official) {
    // train/ val/ given: keep them as they are.
  } else {
    seededSplit(items, valFraction, seed, classes);
  }
  items.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const ds: Dataset = { root, layout, classes, items, skipped: [...skipped], splitSource: official ? 'official' : 'seeded', valFraction, seed, warnings };
  // after the split, so that excluding a picture moves no other between train and val
  await applyReviewDecisions(ds, opts.onEvent);
  for (const w of balanceWarnings(ds)) warn(w);
  return ds;
}

export function itemsOf(ds: Dataset, split: 'train' | 'val' | 'test' | 'all'): DatasetItem[] {
  return split === 'all' ? ds.items : ds.items.filter((i) => i.split === split);
}

export function classCounts(ds: Dataset): import('./types.js').ClassCount[] {
  const rows = ds.classes.map((name) => ({ name, train: 0, val: 0, test: 0 }));
  for (const it of ds.items) rows[it.label][it.split]++;
  return rows;
}

export { isDir };

/** A dataset folder, scanned; a folder petlab may not read is named with the fix, not a stack trace. */
export async function scanDataset(dir: string, opts: ScanOptions = {}): Promise<Dataset> {
  try {
    return await scanFolders(dir, opts);
  } catch (e) {
    const p = (e as NodeJS.ErrnoException).path;
    if (isEnvironmentFault(e) && p)
      throw new PetlabError(`cannot read ${p}: permission denied`, {
        hint: `let petlab read it (chmod -R u+rX ${p}), or move it out of ${path.resolve(dir)}`,
        cause: e,
      });
    throw e;
  }
}
