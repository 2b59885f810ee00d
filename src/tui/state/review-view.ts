/** What the Review pane shows: the suspects of the last review, one at a time, and what was decided. */

export interface ReviewSuspectView {
  /** where the picture is now (after an accepted move: in the suggested class's folder) */
  file: string;
  label: string;
  suggested: string;
  score: number;
  /** row in the review's similarity index */
  row: number;
  decision?: 'accepted' | 'kept';
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
  /** accepted moves, the latest last: u undoes them in turn */
  journal: Array<{ from: string; to: string; label: string; suggested: string; index?: number }>;
  seconds: number;
}
