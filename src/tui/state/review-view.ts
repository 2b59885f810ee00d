/** What the Review pane shows: the suspects of the last review, one at a time, and what was decided. */
import type { Decision } from '../../core/review/journal.js';

export interface ReviewSuspectView {
  /** where the picture is now (after an accepted move: in the suggested class's folder) */
  file: string;
  label: string;
  suggested: string;
  score: number;
  /** row in the review's similarity index */
  row: number;
  decision?: 'accepted' | 'kept' | 'excluded';
  /** the class it was moved into (the suggested one, or the one picked with p) */
  movedTo?: string;
}

export interface ReviewView {
  root: string;
  pictures: number;
  folds: number;
  /** out-of-fold accuracy */
  accuracy: number;
  suspects: ReviewSuspectView[];
  duplicates: number;
  /** duplicate pairs across splits */
  leaks: number;
  /** the suspect shown */
  pos: number;
  /** the decisions journaled (moves, exclusions), the latest last: u undoes them in turn */
  journal: Array<Decision & { index?: number }>;
  seconds: number;
}
