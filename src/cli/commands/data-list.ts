import { listDatasets } from '../../core/registry/datasets.js';
import { bytes } from '../../text/format.js';
import { cacheListingCommand } from './cache-listing.js';

export const dataListCommand = cacheListingCommand({
  name: 'data list',
  summary: 'list the datasets petlab can download, and which are ready',
  usage: 'petlab data list [--json]',
  list: listDatasets,
  header: ['name', 'images', 'classes', 'download', 'status'],
  cells: (r) => [r.imageCount, r.classCount, r.downloadBytes == null ? '?' : bytes(r.downloadBytes), r.cached ? `ready: ${r.path}` : 'not downloaded'],
  footer: () => ['* default. Get one with: petlab data get NAME; then train with --data <the folder shown>.'],
  key: 'datasets',
});
