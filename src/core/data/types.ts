export type SplitName = 'train' | 'val' | 'test';
export type SplitSelector = SplitName | 'all';

export type DatasetLayout = 'class-folders' | 'split-folders' | 'oxford-pets';

export interface DatasetItem {
  /** absolute path */
  file: string;
  /** index into Dataset.classes */
  label: number;
  split: SplitName;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface Dataset {
  root: string;
  layout: DatasetLayout;
  classes: string[];
  items: DatasetItem[];
  skipped: SkippedFile[];
  /** 'official' when the folder defines its splits (annotations, train/ val/ folders), else 'seeded'. */
  splitSource: 'official' | 'seeded';
  valFraction: number;
  seed: number;
  /** what the scan found worth saying (imbalance, nested pictures, folders not used) */
  warnings?: string[];
  /** the review's decisions applied by the reader (.petlab-review.json): absent when there are none */
  review?: import('./review-decisions.js').ReviewApplied;
}

export interface ClassCount {
  name: string;
  train: number;
  val: number;
  test: number;
}
