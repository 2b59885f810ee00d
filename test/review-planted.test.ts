import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { CATS_DOGS, MOBILENET_V2_TFJS, listData, skipUnless, tempDir } from './helpers/shared.js';
import { isolatedEnv, runPetlab } from './helpers/cli.js';

// Label noise planted in real pictures: 150 cats and 150 dogs, 15 of each put in the other's
// folder, 10 re-encoded at another size and JPEG quality, one exact byte copy. The review must put
// the planted mislabels at the top with the right suggestion, and find the copies.
const N = 150;
const SWAP = 15;
const cats = listData(path.join(CATS_DOGS, 'cats')).slice(0, N + SWAP);
const dogs = listData(path.join(CATS_DOGS, 'dogs')).slice(0, N + SWAP);

interface Suspect {
  file: string;
  label: string;
  suggested: string;
  score: number;
}
interface Pair {
  files: [string, string];
  distance: number;
  exact: boolean;
}

async function plant(): Promise<{ root: string; mislabelled: Map<string, string>; copies: Array<[string, string]>; exact: [string, string] }> {
  const root = tempDir('petlab-review-');
  for (const c of ['cats', 'dogs']) mkdirSync(path.join(root, c));
  const mislabelled = new Map<string, string>();
  cats.slice(0, N).forEach((f) => copyFileSync(path.join(CATS_DOGS, 'cats', f), path.join(root, 'cats', f)));
  dogs.slice(0, N).forEach((f) => copyFileSync(path.join(CATS_DOGS, 'dogs', f), path.join(root, 'dogs', f)));
  // the planted mislabels: pictures not otherwise in the set, in the wrong folder
  for (const f of cats.slice(N)) {
    copyFileSync(path.join(CATS_DOGS, 'cats', f), path.join(root, 'dogs', f));
    mislabelled.set(path.join(root, 'dogs', f), 'cats');
  }
  for (const f of dogs.slice(N)) {
    copyFileSync(path.join(CATS_DOGS, 'dogs', f), path.join(root, 'cats', f));
    mislabelled.set(path.join(root, 'cats', f), 'dogs');
  }
  const copies: Array<[string, string]> = [];
  for (let i = 0; i < 10; i++) {
    const cls = i % 2 ? 'dogs' : 'cats';
    const f = (cls === 'cats' ? cats : dogs)[20 + i * 7];
    const src = path.join(root, cls, f);
    const dst = path.join(root, cls, `copy-${i}.jpg`);
    const meta = await sharp(src).metadata();
    await sharp(src)
      .resize(Math.round(meta.width! * (0.6 + i * 0.03)))
      .jpeg({ quality: 55 + i * 3 })
      .toFile(dst);
    copies.push([src, dst]);
  }
  const exactSrc = path.join(root, 'dogs', dogs[3]);
  const exactDst = path.join(root, 'dogs', 'same-bytes.jpg');
  copyFileSync(exactSrc, exactDst);
  return { root, mislabelled, copies, exact: [exactSrc, exactDst] };
}

const key = (a: string, b: string) => [a, b].sort().join('|');

test(
  'petlab review: planted mislabels rank at the top with the right suggestion, planted copies are found',
  { skip: skipUnless('cats-dogs', 'mobilenet-v2-tfjs'), timeout: 900_000 },
  async () => {
    const p = await plant();
    const r = await runPetlab(['review', '--data', p.root, '--backbone', MOBILENET_V2_TFJS, '--workers', '2', '--top', '40', '--json'], {
      env: isolatedEnv(),
      timeoutMs: 900_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const res = r.events.at(-1) as { type: string; command: string; suspects: Suspect[]; duplicates: Pair[]; timings: Record<string, number> };
    assert.equal(res.type, 'result');
    assert.equal(res.command, 'review');
    const top = res.suspects.slice(0, 40);
    const caught = top.filter((s) => p.mislabelled.get(s.file) === s.suggested);
    assert.ok(
      caught.length >= 24,
      `${caught.length} of 30 planted mislabels in the top 40 with the right suggestion:\n${top.map((s) => `${s.score.toFixed(3)} ${s.file} ${s.label}->${s.suggested}`).join('\n')}`,
    );
    // most suspicious first
    for (let i = 1; i < res.suspects.length; i++) assert.ok(res.suspects[i - 1].score >= res.suspects[i].score);
    const found = new Map(res.duplicates.map((d) => [key(d.files[0], d.files[1]), d]));
    const planted = new Set([...p.copies.map(([a, b]) => key(a, b)), key(...p.exact)]);
    const copiesFound = p.copies.filter(([a, b]) => found.has(key(a, b))).length;
    assert.ok(copiesFound >= 9, `${copiesFound} of 10 re-encoded copies found`);
    assert.equal(found.get(key(...p.exact))?.exact, true, 'the byte-for-byte copy is found as the same bytes');
    const falsePairs = res.duplicates.filter((d) => !planted.has(key(d.files[0], d.files[1])));
    assert.ok(falsePairs.length <= 5, `${falsePairs.length} false pairs: ${JSON.stringify(falsePairs.slice(0, 8))}`);
    console.log(
      `review of ${2 * N + 2 * SWAP + 11} pictures: ${caught.length}/30 mislabels in the top 40, ${copiesFound}/10 copies, ${falsePairs.length} false pairs; seconds ${JSON.stringify(res.timings)} (${r.seconds.toFixed(1)} s in all)`,
    );
  },
);
