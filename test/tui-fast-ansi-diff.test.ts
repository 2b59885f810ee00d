/**
 * The start-up bundle's diffAnsiCodes answers [] at once for neighbouring cells of the same style
 * (src/tui/render/fast-ansi-diff.ts): the same answers as @alcalzone/ansi-tokenize's own (Ink's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffAnsiCodes, styledCharsFromTokens, tokenize } from '@alcalzone/ansi-tokenize';
import { withSameStyleFastPath } from '../src/tui/render/fast-ansi-diff.js';

test('every pair of cell styles of a styled row: the same codes as diffAnsiCodes', () => {
  const row = [
    'plain ',
    '\x1b[1mbold\x1b[22m ',
    '\x1b[1m\x1b[2mbold dim\x1b[22m ',
    '\x1b[7m\x1b[32m▸ sel\x1b[39m\x1b[27m ',
    '\x1b[38;2;10;20;30m\x1b[48;2;1;2;3m▀▀\x1b[49m\x1b[39m',
    '\x1b[90m·\x1b[39m\x1b[4mu\x1b[24m',
  ].join('');
  const styles = styledCharsFromTokens(tokenize(row)).map((c) => c.styles);
  const fast = withSameStyleFastPath(diffAnsiCodes);
  let same = 0;
  for (const a of styles)
    for (const b of styles) {
      assert.deepEqual(fast(a, b), diffAnsiCodes(a, b));
      if (fast(a, b).length === 0) same++;
    }
  assert.ok(same > styles.length, 'the fast path was taken');
});
