/** The Pairs pane's state: picture A (marked), picture B (the next selection), the verdict. */
export interface PairsPick {
  file: string;
  label?: string;
}

export interface PairsView {
  /** the pairs model of this dataset and backbone, when one is on disk */
  model?: string;
  a?: PairsPick;
  b?: PairsPick;
  /** for the a and b files named (a newer pick clears it) */
  verdict?: { a: string; b: string; same: boolean; probability: number; cosine: number };
  error?: string;
}
