import type { EmbedResult } from './embed-files.js';

/** The embeddings of a run's train + validation pictures, row i that of files[i]. */
export interface EmbeddedItems {
  files: string[];
  result: EmbedResult;
  /** the mirror images' embeddings, when the run trained on them (flip) */
  mirror?: EmbedResult;
}

/**
 * An earlier pass's embeddings when they are of exactly these files, in this order (a refit or a
 * cross-validation after the validated run): what a second pass would read from the cache.
 */
export function embeddedFor(e: EmbeddedItems | undefined, files: string[]): EmbeddedItems | undefined {
  return e && e.files.length === files.length && e.files.every((f, i) => f === files[i]) ? e : undefined;
}
