import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { isEnvironmentFault } from '../io/fs-errors.js';
import { hashString, makeRng, shuffleInPlace } from '../random.js';
import type { Dataset, DatasetItem, DatasetLayout, SkippedFile, SplitName } from './types.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.webp', '.tif', '.tiff']);
const SPLIT_DIRS: Record<string, SplitName> = { train: 'train', training: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test', testing: 'test' };
/** Oxford-IIIT Pet file names: the breed, then _N. Capitalised breed = cat. */
const OXFORD_NAME = /^(.+)_(\d+)$/;

export interface ScanOptions {
  valFraction?: number;
  seed?: number;
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

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.filter((e) => !isHidden(e.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Files of a class folder; anything that is not an image by name is reported, not silently dropped. */
async function imagesIn(dir: string, skipped: SkippedFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of await listDir(dir)) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) continue;
    if (isImageName(e.name)) out.push(p);
    else skipped.push({ file: p, reason: 'not an image file (by extension)' });
  }
  return out;
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

async function scanClassFolders(root: string, split: SplitName | undefined, classIndex: Map<string, number>, classes: string[], items: DatasetItem[], skipped: SkippedFile[]): Promise<number> {
  let found = 0;
  for (const e of await listDir(root)) {
    if (!e.isDirectory()) continue;
    const files = await imagesIn(path.join(root, e.name), skipped);
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

async function scanOxford(root: string, imagesDir: string, items: DatasetItem[], skipped: SkippedFile[], classes: string[]): Promise<boolean> {
  const annDir = path.join(root, 'annotations');
  const trainval = await readSplitList(path.join(annDir, 'trainval.txt'));
  const test = await readSplitList(path.join(annDir, 'test.txt'));
  const official = trainval !== undefined && test !== undefined;
  const byBreed = new Map<string, { file: string; stem: string }[]>();
  for (const e of await listDir(imagesDir)) {
    if (e.isDirectory()) continue;
    const p = path.join(imagesDir, e.name);
    if (!isImageName(e.name)) {
      skipped.push({ file: p, reason: 'not an image file (by extension)' });
      continue;
    }
    const stem = e.name.slice(0, -path.extname(e.name).length);
    const m = OXFORD_NAME.exec(stem);
    if (!m) {
      skipped.push({ file: p, reason: 'name is not Breed_N: no label' });
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
        skipped.push({ file, reason: `mislabelled: annotations give class ${id}, other "${breed}" files have ${majority}` });
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
  if (!(valFraction >= 0 && valFraction < 1)) throw new PetlabError(`validation fraction ${valFraction} is out of range`, { kind: 'usage', hint: 'use a value in [0, 1), e.g. --val-split 0.2' });
  const root = path.resolve(dir);
  let st;
  try {
    st = await fs.stat(root);
  } catch {
    throw new PetlabError(`data folder not found: ${root}`, { hint: 'check the path given to --data, or run `petlab data get oxford-pets`' });
  }
  if (!st.isDirectory()) throw new PetlabError(`--data must be a folder, got a file: ${root}`, { hint: 'point --data at the folder holding one subfolder per class (or images/ + annotations/)' });

  const items: DatasetItem[] = [];
  const skipped: SkippedFile[] = [];
  const classes: string[] = [];
  let layout: DatasetLayout;
  let official = false;

  const entries = await listDir(root);
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const splitDirs = subdirs.filter((d) => d.toLowerCase() in SPLIT_DIRS);
  const looseImages = entries.filter((e) => e.isFile() && isImageName(e.name));

  if (subdirs.includes('images') && !splitDirs.length) {
    layout = 'oxford-pets';
    official = await scanOxford(root, path.join(root, 'images'), items, skipped, classes);
  } else if (looseImages.length > 0 && looseImages.every((e) => OXFORD_NAME.test(e.name.slice(0, -path.extname(e.name).length))) && !subdirs.length) {
    // The images/ folder of an Oxford-style dataset given directly.
    layout = 'oxford-pets';
    official = await scanOxford(path.dirname(root), root, items, skipped, classes);
  } else if (splitDirs.length && splitDirs.some((d) => SPLIT_DIRS[d.toLowerCase()] === 'train')) {
    layout = 'split-folders';
    const classIndex = new Map<string, number>();
    for (const d of splitDirs) await scanClassFolders(path.join(root, d), SPLIT_DIRS[d.toLowerCase()], classIndex, classes, items, skipped);
    official = splitDirs.some((d) => SPLIT_DIRS[d.toLowerCase()] === 'val');
  } else {
    layout = 'class-folders';
    await scanClassFolders(root, undefined, new Map(), classes, items, skipped);
    for (const e of looseImages) skipped.push({ file: path.join(root, e.name), reason: 'image outside any class folder: no label' });
  }

  if (classes.length === 0) {
    throw new PetlabError(`no classes found in ${root}`, {
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
    throw new PetlabError(`only one class (${classes[0]}) in ${root}: a classifier needs at least two`, {
      hint: 'put each class in its own subfolder, e.g. DIR/cats and DIR/dogs',
    });
  }
  if (layout === 'split-folders' && official) {
    // train/ val/ given: keep them as they are.
  } else {
    seededSplit(items, valFraction, seed, classes);
  }
  items.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { root, layout, classes, items, skipped, splitSource: official ? 'official' : 'seeded', valFraction, seed };
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
    if (isEnvironmentFault(e) && p) throw new PetlabError(`cannot read ${p}: permission denied`, { hint: `let petlab read it (chmod -R u+rX ${p}), or move it out of ${path.resolve(dir)}`, cause: e });
    throw e;
  }
}
