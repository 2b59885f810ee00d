/** What the Dataset pane's neighbours view (n) shows: the selected picture and the pictures nearest to it. */
import type { Dataset } from '../../core/data/types.js';
import type { SimilarPicture } from '../../core/review/similar.js';

export interface NeighboursView {
  /** the picture asked about */
  file: string;
  label: string;
  /** its nearest pictures, nearest first; undefined while the index is being built */
  list?: SimilarPicture[];
  /** why there are none (the index failed or the picture is not in it) */
  error?: string;
}

/** The dataset whose neighbour index the controller holds (n is instant for it), and its size. */
export interface NeighbourIndexView {
  ds: Dataset;
  pictures: number;
}
