/**
 * Undoing review decisions from the journal (`petlab review --undo`): the latest first, a moved
 * picture renamed back, an excluded one simply dropped from the journal. The journal is rewritten
 * after each step, so an undo that stops half way (a picture moved by hand since) leaves it true.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PetlabError } from '../errors.js';
import { journalFile, readDecisions, writeDecisions, type Decision } from './journal.js';
import { moveFile } from './relabel.js';

export interface UndoOutcome {
  undone: Decision[];
  /** decisions left in the journal */
  left: number;
}

/** Undo the latest `count` decisions (all of them with Infinity). */
export async function undoDecisions(root: string, count: number): Promise<UndoOutcome> {
  const decisions = await readDecisions(root);
  const undone: Decision[] = [];
  while (undone.length < count && decisions.length) {
    const d = decisions.at(-1)!;
    if (d.kind === 'move') {
      const here = await fs.lstat(d.to).then(
        () => true,
        () => false,
      );
      if (!here)
        throw new PetlabError(`cannot undo the move of ${path.relative(root, d.from)}: ${path.relative(root, d.to)} is no longer there`, {
          hint: `put it back in ${path.relative(root, path.dirname(d.to))}/, or remove that decision from ${journalFile(root)}`,
        });
      await moveFile(d.to, d.from);
    }
    decisions.pop();
    undone.push(d);
    await writeDecisions(root, decisions);
  }
  return { undone, left: decisions.length };
}
