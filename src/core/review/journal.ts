/**
 * The journal of accepted review suggestions, in the dataset folder (`.petlab-review.json`, hidden,
 * so scans leave it out): every move made, so that undo works after a restart too. Written atomically.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';

export interface MoveRecord {
  from: string;
  to: string;
  label: string;
  suggested: string;
}

export const JOURNAL_NAME = '.petlab-review.json';

export function journalFile(root: string): string {
  return path.join(root, JOURNAL_NAME);
}

/** The moves made so far, oldest first; none when there is no journal. A damaged one is named, never dropped. */
export async function readJournal(root: string): Promise<MoveRecord[]> {
  const file = journalFile(root);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  let moves: unknown;
  try {
    moves = (JSON.parse(text) as { moves?: unknown }).moves;
  } catch {
    moves = undefined;
  }
  const ok = (m: unknown): m is MoveRecord =>
    !!m && typeof m === 'object' && ['from', 'to', 'label', 'suggested'].every((k) => typeof (m as Record<string, unknown>)[k] === 'string');
  if (!Array.isArray(moves) || !moves.every(ok))
    throw new PetlabError(`${file} is damaged: it does not list the moves made`, {
      hint: 'the pictures are where they are on disk; move the file away to start a new journal',
    });
  return moves.map((m) => ({ from: path.resolve(root, m.from), to: path.resolve(root, m.to), label: m.label, suggested: m.suggested }));
}

/** Paths are stored relative to the dataset, so the folder can move. */
export async function writeJournal(root: string, moves: MoveRecord[]): Promise<void> {
  const rel = moves.map((m) => ({ ...m, from: path.relative(root, m.from), to: path.relative(root, m.to) }));
  await writeFileAtomic(journalFile(root), JSON.stringify({ petlab: 'review-journal', moves: rel }, null, 1) + '\n');
}
