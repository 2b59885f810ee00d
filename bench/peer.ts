import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/core/paths.js';
import { row, tempCache } from './lib.js';

/**
 * The PyTorch peer (bench/peer/mobilenet_peer.py): the same MobileNetV2 work as a petlab figure,
 * run right after it in the same bench run, so every ratio compares like with like on a machine
 * whose load swings. Needs Debian's python3-torch and python3-torchvision (PIL comes with them).
 */
const PYTHON = process.env.PETLAB_PEER_PYTHON || '/usr/bin/python3';
const SCRIPT = path.join(PROJECT_ROOT, 'bench', 'peer', 'mobilenet_peer.py');
export const PEER_INSTALL = 'apt-get install python3-torch python3-torchvision';

export interface PeerFigure {
  imagesPerSecond: number;
  images: number;
  seconds: number;
  torch: string;
  /** measured in two halves, before and after petlab's run: each half's images/s */
  halves?: [number, number];
}

/**
 * One figure from the peer run before and after petlab's (this machine's pace drifts by 15% within
 * ten minutes): the pooled images over the pooled seconds, each half kept for the line.
 */
export function aroundPeer(before: PeerFigure | undefined, after: PeerFigure | undefined): PeerFigure | undefined {
  if (!before || !after) return before ?? after;
  const images = before.images + after.images;
  const seconds = before.seconds + after.seconds;
  return { images, seconds, imagesPerSecond: images / seconds, torch: before.torch, halves: [before.imagesPerSecond, after.imagesPerSecond] };
}

let available: { ok: true; version: string } | { ok: false; why: string } | undefined;

/** Whether the peer can run here (checked once), and why not. */
export function peerStatus(): { ok: true; version: string } | { ok: false; why: string } {
  if (available) return available;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision, PIL; print(torch.__version__)'], { encoding: 'utf8' });
  available =
    r.status === 0
      ? { ok: true, version: r.stdout.trim() }
      : {
          ok: false,
          why: `${PYTHON} cannot import torch + torchvision (${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}); install with: ${PEER_INSTALL}`,
        };
  return available;
}

/** Run one peer figure (its own process, 2 threads); undefined, with a line saying why, when it cannot run. */
export async function peerFigure(
  mode: 'embed' | 'top' | 'top-eval' | 'full' | 'views',
  /** files: a picture path a line (views: "path<TAB>views") */
  o: { batch: number; seconds?: number; files?: string[]; blocks?: number; classes?: number; threads?: number },
): Promise<PeerFigure | undefined> {
  const st = peerStatus();
  if (!st.ok) return undefined;
  const args = [SCRIPT, mode];
  if (o.files) {
    const list = path.join(tempCache('peer'), 'files.txt');
    writeFileSync(list, o.files.join('\n') + '\n');
    args.push(list);
  }
  args.push('--batch', String(o.batch), '--seconds', String(o.seconds ?? 25), '--threads', String(o.threads ?? 2));
  if (o.blocks) args.push('--blocks', String(o.blocks));
  if (o.classes) args.push('--classes', String(o.classes));
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const last = out.stdout.trim().split('\n').pop() ?? '';
  if (out.code !== 0 || !last.startsWith('{')) {
    row(`PyTorch peer (${mode})`, `failed (exit ${out.code}): ${out.stderr.trim().split('\n').pop() ?? ''}`);
    return undefined;
  }
  const j = JSON.parse(last) as { images_per_s: number; images: number; seconds: number; torch: string };
  return { imagesPerSecond: j.images_per_s, images: j.images, seconds: j.seconds, torch: j.torch };
}

/** "PyTorch 12.3 images/s, petlab 2.41x" — or the one line saying why there is no peer. */
export function ratioText(petlab: number, peer: PeerFigure | undefined): string {
  if (!peer) {
    const st = peerStatus();
    return st.ok ? 'no PyTorch figure (the peer failed, see above)' : `no PyTorch peer: ${st.why}`;
  }
  const halves = peer.halves ? `; ${peer.halves.map((h) => h.toFixed(1)).join(' before, ')} after petlab's run` : '';
  return `PyTorch ${peer.imagesPerSecond.toFixed(1)} images/s (${peer.images} in ${peer.seconds.toFixed(0)} s${halves}) → petlab ${(petlab / peer.imagesPerSecond).toFixed(2)}x`;
}

/** The machine's load (1, 5, 15 min): figures swing with it, so it goes beside them. */
export function loadAverage(): string {
  return `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}
