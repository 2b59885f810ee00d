import { listBackbones } from '../../core/registry/backbones.js';
import { bytes } from '../../text/format.js';
import { cacheListingCommand } from './cache-listing.js';

export const modelsCommand = cacheListingCommand({
  name: 'models',
  summary: 'list the pretrained backbones petlab knows (size, ImageNet top-1, cached or not)',
  usage: 'petlab models [--json]',
  list: listBackbones,
  header: ['name', 'format', 'size', 'top-1', 'status', 'licence'],
  cells: (r) => [r.format, bytes(r.sizeBytes), `${(r.top1 * 100).toFixed(1)}%`, r.cached ? 'cached' : 'not cached', r.licence],
  footer: (cacheDir) => ['* default. Use one with --backbone NAME; it is downloaded (and verified) on first use.', `cache: ${cacheDir}`],
  key: 'backbones',
});
