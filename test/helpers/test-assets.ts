/**
 * What the tests need from real data, and where each thing comes from. The tests see one folder
 * laid out like ../shared (see test-data.ts for which one); each asset below is a part of it.
 *
 * Public files are fetched from their pinned public URL (sha256 from config/backbones.json), the
 * cats-vs-dogs zip from storage.googleapis.com (no published checksum: its extracted train/ is
 * checked against a digest of the git blob ids in ../shared/data/cats_and_dogs_filtered/FILES.tsv).
 * Files with no certain public origin have a pinned sha256 and come only from a mirror.
 */
import { getBackboneEntry } from '../../src/core/registry/backbones.js';
import { getDatasetEntry } from '../../src/core/registry/datasets.js';

export type AssetName =
  | 'mobilenet-v2-tflite'
  | 'mobilenet-v2-ptq-tflite'
  | 'mobilenet-v1-tflite'
  | 'imagenet-labels'
  | 'darknet-tiny'
  | 'darknet-labels'
  | 'mobilenet-v2-tfjs'
  | 'sample-photos'
  | 'cats-dogs'
  | 'oxford-pets-partial'
  | 'shared-readme';

/** One file of an asset: where it goes in the data folder, and how it is verified. */
export interface AssetFile {
  /** path in the data folder (laid out like ../shared), forward slashes */
  to: string;
  url?: string;
  sha256: string;
  size: number;
  /** where petlab's cache (and so a mirror) keeps it, forward slashes */
  cachePath: string;
  /** labels and the like: fetched when a mirror has them, not needed for the asset */
  optional?: boolean;
}

/** A folder checked as a whole: a sha256 over the sorted lines "<git blob id> <relative path>". */
export interface TreeDigest {
  files: number;
  bytes: number;
  gitBlobDigest: string;
}

export type AssetSource =
  | { kind: 'files'; files: AssetFile[] }
  | { kind: 'zip'; url: string; cachePath: string; approxBytes: number; take: string; to: string; tree: TreeDigest }
  | { kind: 'none'; why: string };

export interface Asset {
  name: AssetName;
  what: string;
  /** paths in the data folder that must exist for the asset to count as present */
  paths: string[];
  source: AssetSource;
}

const MN2 = 'models/mobilenet_v2_1.0_224_quant';

/** Registry backbone files, placed at `folder/<file>` in the data folder. */
function backboneFiles(name: string, folder: string, which: (path: string, optional: boolean) => boolean): AssetFile[] {
  return getBackboneEntry(name)
    .files.filter((f) => which(f.path, f.optional))
    .map((f) => ({ to: `${folder}/${f.path}`, url: f.url, sha256: f.sha256, size: f.size, cachePath: `backbones/${name}/${f.path}`, optional: f.optional }));
}

/** Files only a mirror (or a hand-filled cache) has: pinned digests of the bytes in ../shared. */
function pinned(folder: string, files: Array<[string, number, string]>): AssetFile[] {
  return files.map(([name, size, sha256]) => ({ to: `${folder}/${name}`, sha256, size, cachePath: `test-data/${folder}/${name}` }));
}

function tflite(name: AssetName, backbone: string, folder: string, what: string): Asset {
  const files = backboneFiles(backbone, folder, (p) => p.endsWith('.tflite'));
  return { name, what, paths: files.map((f) => f.to), source: { kind: 'files', files } };
}

function build(): Asset[] {
  const labels = ['mobilenet_v2_1.0_224_quant', 'tf2_mobilenet_v2_1.0_224_ptq', 'mobilenet_v1_0.75_192_quant'].map((d) => `models/${d}/imagenet_labels.txt`);
  const labelFile = getBackboneEntry('mobilenet_v2').files.find((f) => f.path === 'imagenet_labels.txt')!;
  const darknet = backboneFiles('darknet_tiny', 'models/darknet-tiny', (_, optional) => !optional);
  const darknetLabels = backboneFiles('darknet_tiny', 'models/darknet-tiny', (_, optional) => optional).map((f) => ({ ...f, optional: false }));
  const cats = getDatasetEntry('cats-vs-dogs').archives[0];
  return [
    tflite('mobilenet-v2-tflite', 'mobilenet_v2', MN2, 'MobileNetV2 uint8 TFLite'),
    tflite('mobilenet-v2-ptq-tflite', 'mobilenet_v2_keras_ptq', 'models/tf2_mobilenet_v2_1.0_224_ptq', 'Keras MobileNetV2 int8 TFLite'),
    tflite('mobilenet-v1-tflite', 'mobilenet_v1_075_192', 'models/mobilenet_v1_0.75_192_quant', 'MobileNet v1 0.75 uint8 TFLite'),
    {
      name: 'imagenet-labels',
      what: 'ImageNet labels of the TFLite models',
      paths: labels,
      // one file, the same bytes in the three model folders; no certain public origin (see config/backbones.json)
      source: {
        kind: 'files',
        files: labels.map((to) => ({ to, sha256: labelFile.sha256, size: labelFile.size, cachePath: 'backbones/mobilenet_v2/imagenet_labels.txt' })),
      },
    },
    {
      name: 'darknet-tiny',
      what: 'Darknet tiny tfjs layers model',
      paths: darknet.map((f) => f.to),
      source: { kind: 'files', files: darknet },
    },
    {
      name: 'darknet-labels',
      what: "Darknet tiny's class names (no certain public origin, see config/backbones.json)",
      paths: darknetLabels.map((f) => f.to),
      source: { kind: 'files', files: darknetLabels },
    },
    {
      name: 'mobilenet-v2-tfjs',
      what: 'MobileNetV2 tfjs-reference conversion (made from the TFLite by a private tool)',
      paths: [`${MN2}/tfjs-reference/model.json`, `${MN2}/tfjs-reference/weights.bin`],
      source: {
        kind: 'files',
        files: pinned(`${MN2}/tfjs-reference`, [
          ['model.json', 53951, '32009a5d0fbe50e2deeea82c5e0325709ba0a4891329285624de368c7f7cae48'],
          ['weights.bin', 3543268, '2df28fdc94b9f6f2c2950a8cd908e7a4afb987946c72a0ff5644c9fbab1fd0fd'],
        ]),
      },
    },
    {
      name: 'sample-photos',
      what: 'six sample photos (no public origin recorded)',
      paths: ['data/sample-photos/cat_720p.jpg'],
      source: {
        kind: 'files',
        files: pinned('data/sample-photos', [
          ['cat_720p.jpg', 104837, 'cfb1dbdf64b30de79104a47555ff8e9f12737a12c2128ecd0e7f38531a8c13ce'],
          ['dog_segmentation.bmp', 49290, '4135e33634f6bc241e40d62dd156bf3ba140c0b7a9477982525c8a7a7754f15a'],
          ['grace_hopper.bmp', 921738, 'c43444bf3b1b1e3080551ca194bd231da4b67f20fc91454502915a6b806b614f'],
          ['hot_dog.jpg', 200930, 'ed6952e022eb71c0d0b1ff068dcee3abed056dfa1852f041c35f138c4ff15b2e'],
          ['parrot.jpg', 596977, 'a8fba9e7e29439fa414c13129aad661f2289ff891231920a7c33641b076f1833'],
          ['pets.jpg', 170711, '3d71034f8a910bc71c744d3191b652c6c09e9e9c703e4dcd97f1c5ef7adbfe82'],
        ]),
      },
    },
    {
      name: 'cats-dogs',
      what: 'cats_and_dogs_filtered train split (2,000 JPEGs)',
      paths: ['data/cats_and_dogs_filtered/train/cats/cat.0.jpg', 'data/cats_and_dogs_filtered/train/dogs/dog.0.jpg'],
      source: {
        kind: 'zip',
        url: cats.url,
        cachePath: `datasets/cats-vs-dogs/${cats.file}`,
        approxBytes: cats.size ?? 68_606_236,
        take: 'cats_and_dogs_filtered/train',
        to: 'data/cats_and_dogs_filtered/train',
        tree: { files: 2000, bytes: 45_613_376, gitBlobDigest: '36fee6b5c20121578de00368eef6a0108dc26459120a6d505e26ea90c2f576a1' },
      },
    },
    {
      name: 'oxford-pets-partial',
      what: 'Oxford-IIIT Pet partial set (694 images, annotations)',
      paths: ['data/oxford-pets-partial/images', 'data/oxford-pets-partial/annotations/trainval.txt'],
      source: { kind: 'none', why: 'a subset picked from several public copies; the only official source is the 800 MB archive' },
    },
    {
      name: 'shared-readme',
      what: "../shared/README.md (the data's own description)",
      paths: ['README.md'],
      source: { kind: 'none', why: 'it describes ../shared itself' },
    },
  ];
}

let cached: Asset[] | undefined;

export function allAssets(): Asset[] {
  return (cached ??= build());
}

export function getAsset(name: AssetName): Asset {
  const a = allAssets().find((x) => x.name === name);
  if (!a) throw new Error(`unknown test asset ${name}`);
  return a;
}

/** Bytes a download of this asset transfers (required files only). */
export function downloadBytes(a: Asset): number {
  if (a.source.kind === 'zip') return a.source.approxBytes;
  if (a.source.kind === 'none') return 0;
  const seen = new Set<string>();
  let n = 0;
  for (const f of a.source.files) {
    if (f.optional || seen.has(f.cachePath)) continue;
    seen.add(f.cachePath);
    n += f.size;
  }
  return n;
}

/** True when a public URL serves every required file. */
export function isPublic(a: Asset): boolean {
  if (a.source.kind === 'zip') return true;
  if (a.source.kind === 'none') return false;
  return a.source.files.every((f) => f.optional || f.url);
}
