/**
 * The journal of review decisions, in the dataset folder (`.petlab-review.json`, hidden, so scans
 * leave it out), oldest first: accepted moves (the file was renamed into another class folder) and
 * exclusions (the file stays where it is; every command that reads the dataset leaves it out). u
 * undoes the latest, after a restart too. Written atomically; a damaged one is named, never dropped.
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

/** A decision: a move (kind absent in journals written before exclusions) or an exclusion. */
export type Decision = ({ kind: 'move' } & MoveRecord) | { kind: 'exclude'; file: string; label: string };

export const JOURNAL_NAME = '.petlab-review.json';

export function journalFile(root: string): string {
  return path.join(root, JOURNAL_NAME);
}

const strings = (m: unknown, keys: string[]) => !!m && typeof m === 'object' && keys.every((k) => typeof (m as Record<string, unknown>)[k] === 'string');

function parse(m: unknown, root: string): Decision | undefined {
  const r = m as Record<string, string>;
  if ((r?.kind === undefined || r.kind === 'move') && strings(m, ['from', 'to', 'label', 'suggested']))
    return { kind: 'move', from: path.resolve(root, r.from), to: path.resolve(root, r.to), label: r.label, suggested: r.suggested };
  if (r?.kind === 'exclude' && strings(m, ['file', 'label'])) return { kind: 'exclude', file: path.resolve(root, r.file), label: r.label };
  return undefined;
}

/** The decisions made so far, oldest first; none when there is no journal. */
export async function readDecisions(root: string): Promise<Decision[]> {
  const file = journalFile(root);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  let list: unknown;
  try {
    const j = JSON.parse(text) as { decisions?: unknown; moves?: unknown };
    list = j.decisions ?? j.moves; // `moves`: the journal before exclusions
  } catch {
    list = undefined;
  }
  const out = Array.isArray(list) ? list.map((m) => parse(m, root)) : [];
  if (!Array.isArray(list) || out.some((d) => !d))
    throw new PetlabError(`${file} is damaged: it does not list the review's decisions (moves, exclusions)`, {
      hint: 'the pictures are where they are on disk; fix the file, or move it away to start a new journal (its exclusions then no longer apply)',
    });
  return out as Decision[];
}

/** Paths are stored relative to the dataset, so the folder can move. A record without kind is a move. */
export async function writeDecisions(root: string, decisions: Array<Decision | MoveRecord>): Promise<void> {
  const rel = (p: string) => path.relative(root, p);
  const out = decisions.map((d) =>
    'kind' in d && d.kind === 'exclude'
      ? { kind: 'exclude', file: rel(d.file), label: d.label }
      : { kind: 'move', from: rel((d as MoveRecord).from), to: rel((d as MoveRecord).to), label: d.label, suggested: (d as MoveRecord).suggested },
  );
  await writeFileAtomic(journalFile(root), JSON.stringify({ petlab: 'review-journal', decisions: out }, null, 1) + '\n');
}
