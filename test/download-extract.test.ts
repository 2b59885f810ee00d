import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { extractArchive } from '../src/core/download/extract/index.js';
import { isPetlabError } from '../src/core/errors.js';
import { hasTool, makeTar, makeTarGz, makeZip, type TarSpec, type ZipSpec } from './helpers/archives.js';
import { tempDir } from './helpers/shared.js';

/** Every file under `dir`, relative, with its bytes. */
async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(path.relative(dir, p), readFileSync(p));
    }
  };
  await walk(dir);
  return out;
}

const LONG = `${'deep-folder-name-'.repeat(4)}/${'a-very-long-file-name-'.repeat(6)}.jpg`; // > 100 bytes
// > 100 bytes in all, but ustar can still split it into prefix + name
const SPLITTABLE = `${'deep-folder-name-'.repeat(4)}/${'b'.repeat(90)}.jpg`;

describe('extraction', () => {
  let work: string;
  let tree: string;

  before(async () => {
    work = tempDir('petlab-extract-');
    // a small tree like a dataset: nested folders, a long name, a non-ASCII name, an empty file
    tree = path.join(work, 'tree');
    const files: Record<string, Buffer | string> = {
      'images/Abyssinian_1.jpg': Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff)),
      'images/Bengal_2.jpg': 'not really a jpeg',
      'annotations/trainval.txt': 'Abyssinian_1 1 1 1\n',
      'annotations/empty.txt': '',
      [`images/${SPLITTABLE}`]: 'long name',
      'images/Ünïcödé_3.jpg': 'unicode',
    };
    for (const [rel, data] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(tree, rel)), { recursive: true });
      await fs.writeFile(path.join(tree, rel), data);
    }
  });

  for (const format of ['gnu', 'pax', 'ustar'] as const) {
    it(`extracts a .tar.gz written by tar --format=${format} byte for byte`, { skip: !hasTool('tar') }, async () => {
      const archive = path.join(work, `tree-${format}.tar.gz`);
      const args = ['-czf', archive, `--format=${format}`, '-C', tree, 'images', 'annotations'];
      execFileSync('tar', args, { stdio: 'pipe' });
      const out = path.join(work, `out-${format}`);
      await fs.mkdir(out);
      const stats = await extractArchive(archive, out);
      assert.deepEqual(await readTree(out), await readTree(tree));
      assert.equal(stats.files, 6);
    });
  }

  it('reads GNU long names and pax path records written byte by byte', async () => {
    for (const longName of ['gnu', 'pax'] as const) {
      const archive = path.join(work, `long-${longName}.tar.gz`);
      await fs.writeFile(
        archive,
        makeTarGz([
          { name: 'images', type: '5' },
          { name: `images/${LONG}`, data: 'hello', longName },
        ]),
      );
      const out = path.join(work, `long-out-${longName}`);
      await fs.mkdir(out);
      await extractArchive(archive, out);
      assert.equal(readFileSync(path.join(out, 'images', LONG), 'utf8'), 'hello');
    }
  });

  it('extracts a zip written by the zip tool, and a deflated zip written byte by byte', { skip: !hasTool('zip') }, async () => {
    const archive = path.join(work, 'tree.zip');
    execFileSync('zip', ['-qr', archive, 'images', 'annotations'], { cwd: tree });
    const out = path.join(work, 'zip-out');
    await fs.mkdir(out);
    await extractArchive(archive, out);
    assert.deepEqual(await readTree(out), await readTree(tree));

    const big = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i % 251) & 0xff));
    const hand = path.join(work, 'hand.zip');
    await fs.writeFile(
      hand,
      makeZip([{ name: 'train/' }, { name: 'train/cats/cat.0.jpg', data: big, deflate: true }, { name: 'train/dogs/dog.0.jpg', data: 'woof' }]),
    );
    const out2 = path.join(work, 'zip-out2');
    await fs.mkdir(out2);
    await extractArchive(hand, out2);
    assert.deepEqual(readFileSync(path.join(out2, 'train/cats/cat.0.jpg')), big);
    assert.equal(readFileSync(path.join(out2, 'train/dogs/dog.0.jpg'), 'utf8'), 'woof');
  });

  it('streams large zip entries (over 4 MB) and still checks their CRC-32', async () => {
    const big = Buffer.alloc(6 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const zip = makeZip([
      { name: 'big.bin', data: big, deflate: true },
      { name: 'raw.bin', data: big },
    ]);
    await fs.writeFile(path.join(work, 'big.zip'), zip);
    const out = path.join(work, 'big-out');
    await fs.mkdir(out);
    await extractArchive(path.join(work, 'big.zip'), out);
    assert.ok(readFileSync(path.join(out, 'big.bin')).equals(big));
    assert.ok(readFileSync(path.join(out, 'raw.bin')).equals(big));
    zip[zip.length - 22 - 200 - big.length / 2] ^= 0x01; // a byte in the middle of the stored entry's data
    await fs.writeFile(path.join(work, 'big-bad.zip'), zip);
    const out2 = path.join(work, 'big-bad-out');
    await fs.mkdir(out2);
    await assert.rejects(
      extractArchive(path.join(work, 'big-bad.zip'), out2),
      (e: unknown) => isPetlabError(e) && e.message.includes("'raw.bin' fails its CRC-32 check"),
    );
  });

  /** Extract into sandbox/target; assert a PetlabError naming the entry, and nothing outside target. */
  async function assertRefused(kind: 'tar' | 'zip', label: string, bytes: Buffer, entry: string) {
    const sandbox = path.join(work, `sandbox-${label}`);
    const target = path.join(sandbox, 'a', 'target');
    await fs.mkdir(target, { recursive: true });
    const archive = path.join(work, `${label}.${kind === 'zip' ? 'zip' : 'tar.gz'}`);
    await fs.writeFile(archive, bytes);
    await assert.rejects(extractArchive(archive, target), (e: unknown) => {
      assert.ok(isPetlabError(e), String(e));
      assert.ok(e.message.includes(`'${entry}'`), e.message);
      assert.match(e.message, /refusing to extract/);
      return true;
    });
    // nothing anywhere in the sandbox but the target folder (and what is inside it)
    assert.deepEqual(await fs.readdir(sandbox), ['a']);
    assert.deepEqual(await fs.readdir(path.join(sandbox, 'a')), ['target']);
    assert.equal(existsSync(path.join(work, 'evil.txt')), false);
    return sandbox;
  }

  it('refuses tar entries that escape the target: ../, absolute paths, links', async () => {
    const ok: TarSpec = { name: 'images/fine.jpg', data: 'fine' };
    await assertRefused('tar', 'dotdot', makeTarGz([ok, { name: '../../evil.txt', data: 'evil' }]), '../../evil.txt');
    await assertRefused('tar', 'dotdot-mid', makeTarGz([{ name: 'images/../../../evil.txt', data: 'evil' }]), 'images/../../../evil.txt');
    const sandbox = path.join(work, 'sandbox-absolute');
    const abs = path.join(sandbox, 'evil.txt');
    await assertRefused('tar', 'absolute', makeTarGz([{ name: abs, data: 'evil' }]), abs);
    assert.equal(existsSync(abs), false);
    await assertRefused(
      'tar',
      'symlink',
      makeTarGz([ok, { name: 'images/link', type: '2', linkname: '../../..' }, { name: 'images/link/evil.txt', data: 'evil' }]),
      'images/link',
    );
    await assertRefused('tar', 'hardlink', makeTarGz([{ name: 'passwd', type: '1', linkname: '/etc/passwd' }]), 'passwd');
    // the same escapes hidden in a GNU long name and a pax path record
    const longEvil = `${'../'.repeat(40)}evil.txt`;
    await assertRefused('tar', 'gnu-long', makeTarGz([{ name: longEvil, data: 'evil', longName: 'gnu' }]), longEvil);
    await assertRefused('tar', 'pax-path', makeTarGz([{ name: longEvil, data: 'evil', longName: 'pax' }]), longEvil);
  });

  it('refuses zip entries that escape the target, before writing anything', async () => {
    const ok: ZipSpec = { name: 'train/cats/cat.1.jpg', data: 'fine' };
    const s1 = await assertRefused('zip', 'zip-dotdot', makeZip([ok, { name: '../evil.txt', data: 'evil' }]), '../evil.txt');
    assert.deepEqual(await fs.readdir(path.join(s1, 'a', 'target')), [], 'zip names are all checked first');
    await assertRefused('zip', 'zip-absolute', makeZip([{ name: '/tmp/evil.txt', data: 'evil' }]), '/tmp/evil.txt');
    await assertRefused('zip', 'zip-backslash', makeZip([{ name: '..\\evil.txt', data: 'evil' }]), '..\\evil.txt');
    await assertRefused('zip', 'zip-symlink', makeZip([{ name: 'train/link', data: '../../..', symlink: true }]), 'train/link');
  });

  it('rejects a damaged archive instead of extracting it quietly', async () => {
    // zip with flipped compressed bytes: the CRC-32 check catches it
    const zip = makeZip([{ name: 'a.bin', data: Buffer.alloc(50_000, 3), deflate: false }]);
    zip[30 + 'a.bin'.length + 25_000] ^= 0xff;
    const out = path.join(work, 'bad-zip-out');
    await fs.mkdir(out);
    await fs.writeFile(path.join(work, 'bad.zip'), zip);
    await assert.rejects(
      extractArchive(path.join(work, 'bad.zip'), out),
      (e: unknown) => isPetlabError(e) && /CRC-32/.test(e.message) && e.message.includes("'a.bin'"),
    );

    // truncated tar.gz (an interrupted download that skipped verification)
    const tgz = makeTarGz([{ name: 'big.bin', data: Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff)) }]);
    await fs.writeFile(path.join(work, 'cut.tar.gz'), tgz.subarray(0, tgz.length >> 1));
    const out2 = path.join(work, 'cut-out');
    await fs.mkdir(out2);
    await assert.rejects(extractArchive(path.join(work, 'cut.tar.gz'), out2), (e: unknown) => isPetlabError(e) && /not a valid tar archive/.test(e.message));

    // a plain (not gzipped) tar with a broken header checksum
    const tar = makeTar([{ name: 'x.txt', data: 'x' }]);
    tar[0] ^= 0x20;
    await fs.writeFile(path.join(work, 'bad.tar'), tar);
    await assert.rejects(extractArchive(path.join(work, 'bad.tar'), out2), (e: unknown) => isPetlabError(e) && /checksum/.test(e.message));
  });
});
