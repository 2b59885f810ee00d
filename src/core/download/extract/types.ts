export interface ExtractOptions {
  /** called with the number of archive bytes read since the last call (for progress) */
  onBytes?: (n: number) => void;
  signal?: AbortSignal;
}

export interface ExtractStats {
  files: number;
  dirs: number;
  /** bytes written */
  bytes: number;
}
