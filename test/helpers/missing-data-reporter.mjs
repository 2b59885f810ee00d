/**
 * A node:test reporter (beside spec) that ends `npm test` with how many tests were skipped for
 * missing data, naming the assets, and how to get them. Skips for missing data are recognised by
 * their message (MISSING_PREFIX, see test-data.ts).
 * PETLAB_TEST_RESULTS=FILE also writes every test's outcome as JSON lines (for the fresh-clone test).
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** Same as MISSING_PREFIX in test-data.ts (a reporter loads before tsx, so it is plain JavaScript). */
const MISSING_PREFIX = 'missing test data:';

/** @param {AsyncIterable<{ type: string, data: { name: string, file?: string, skip?: string | boolean, todo?: string | boolean, details?: { type?: string } } }>} source */
export default async function* missingDataReporter(source) {
  const byAsset = new Map();
  let total = 0;
  const results = process.env.PETLAB_TEST_RESULTS;
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const d = ev.data;
    const skip = typeof d.skip === 'string' ? d.skip : undefined;
    if (results && (d.details?.type !== 'suite' || d.skip)) {
      const status = ev.type === 'test:fail' ? 'fail' : d.skip ? 'skip' : d.todo ? 'todo' : 'pass';
      appendFileSync(results, JSON.stringify({ file: d.file ? path.basename(d.file) : undefined, name: d.name, status, skip }) + '\n');
    }
    if (ev.type !== 'test:pass' || !skip?.startsWith(MISSING_PREFIX)) continue;
    total++;
    // "missing test data: <asset>: <what>; <how to get it>"
    const rest = skip.slice(MISSING_PREFIX.length).trim();
    const asset = rest.split(':')[0];
    const how = rest.includes('; ') ? rest.slice(rest.indexOf('; ') + 2) : '';
    const e = byAsset.get(asset) ?? { count: 0, how };
    e.count++;
    byAsset.set(asset, e);
  }
  if (total === 0) {
    yield 'ℹ 0 tests skipped for missing test data\n';
    return;
  }
  yield `ℹ ${total} test${total > 1 ? 's' : ''} skipped for missing test data: ${[...byAsset.keys()].join(', ')}\n`;
  for (const [asset, e] of byAsset) yield `ℹ   ${asset}: ${e.count} test${e.count > 1 ? 's' : ''}${e.how ? `; ${e.how}` : ''}\n`;
}
