/**
 * What the Dataset pane says when the download of the default dataset failed (offline, say): the
 * whole message (the address tried), where the files go, and what to do next — a retry, a mirror,
 * or the user's own pictures. The log's one line is cut to its pane; this is the full story.
 */
import type { Row } from '../components/ListView.js';
import type { DatasetView } from '../state/types.js';

export function downloadFailedRows(err: NonNullable<DatasetView['downloadError']>): Row[] {
  return [
    { text: `The download failed: ${err.message}`, color: 'red' },
    ...(err.hint ? [{ text: err.hint }] : []),
    { text: `Downloads go to ${err.cacheDir}.`, dim: true },
    { text: 'What now:', color: 'yellow' },
    { text: '• enter on "Retry the download" (above) tries again, once the network is back;' },
    { text: '• or take the files from a mirror laid out like the cache: start with PETLAB_MIRROR=DIR_OR_URL petlab, or `petlab config set mirror DIR_OR_URL`;' },
    { text: '• or use your own pictures, one folder per class: "Open a folder…" (above), or start with `petlab --data DIR`.' },
  ];
}
