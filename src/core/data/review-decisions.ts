/**
 * The review's decisions as the dataset reader applies them (the journal `.petlab-review.json` in
 * the dataset folder, core/review/journal): an excluded picture is left out of the dataset, its
 * file untouched; an accepted move is already on disk, so it is only counted. Decisions about
 * pictures no longer there are said, and kept in the journal (a reader never rewrites it).
 */
import path from 'node:path';
import type { EventSink } from '../events.js';
import { JOURNAL_NAME, readDecisions } from '../review/journal.js';
import type { Dataset } from './types.js';

export interface ReviewApplied {
  /** the journal's path */
  journal: string;
  /** journaled moves whose picture is in the dataset (in its new class folder) */
  moved: number;
  /** pictures left out */
  excluded: number;
  /** the excluded files, as on disk */
  excludedFiles: string[];
  /** pictures the journal names that are not in the dataset (moved or deleted since), relative to the root */
  missing: string[];
}

/** Leave the excluded pictures out of `ds` and note what was applied in `ds.review` (nothing when there is no journal). */
export async function applyReviewDecisions(ds: Dataset, onEvent?: EventSink): Promise<void> {
  const decisions = await readDecisions(ds.root); // a damaged journal throws: its exclusions are never silently dropped
  if (!decisions.length) return;
  const present = new Set(ds.items.map((i) => i.file));
  const rel = (f: string) => path.relative(ds.root, f);
  const missing: string[] = [];
  const excluded = new Set<string>();
  let moved = 0;
  for (const d of decisions) {
    const file = d.kind === 'move' ? d.to : d.file;
    if (!present.has(file)) missing.push(rel(file));
    else if (d.kind === 'move') moved++;
    else excluded.add(file);
  }
  ds.items = ds.items.filter((i) => !excluded.has(i.file));
  ds.review = { journal: path.join(ds.root, JOURNAL_NAME), moved, excluded: excluded.size, excludedFiles: [...excluded], missing };
  if (missing.length)
    onEvent?.({
      type: 'warning',
      code: 'other',
      message: `${JOURNAL_NAME} names ${missing.length} picture${missing.length > 1 ? 's' : ''} no longer in the dataset: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} — those decisions are kept in the journal but not applied (put the files back, or undo them: u in the Review pane, petlab review --undo)`,
    });
}

/** "review: 3 moved, 2 excluded (.petlab-review.json)", or undefined when no decision was made. */
export function reviewSummary(ds: Dataset): string | undefined {
  const r = ds.review;
  if (!r) return undefined;
  return `review: ${r.moved} moved, ${r.excluded} excluded (${JOURNAL_NAME}${r.missing.length ? `; ${r.missing.length} no longer there` : ''})`;
}
