/**
 * The start-up bundle measures text with a fast rule in front of string-width
 * (src/tui/render/fast-string-width.ts): it must agree with string-width wherever it answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import { fastStringWidth, ONE_COLUMN, withFastPath } from '../src/tui/render/fast-string-width.js';

test('every character the fast rule accepts is one column for string-width', () => {
  const wrong: string[] = [];
  for (let cp = 0; cp <= 0xffff; cp++) {
    const ch = String.fromCodePoint(cp);
    if (ONE_COLUMN.test(ch) && stringWidth(ch) !== 1) wrong.push(`U+${cp.toString(16).padStart(4, '0')} (${stringWidth(ch)})`);
  }
  assert.deepEqual(wrong, []);
});

test('styled text, pane text and what it leaves to string-width', () => {
  const samples = [
    '┏━ 1 Dataset ━━┓',
    '\x1b[7m▸ cats\x1b[27m   32',
    '\x1b[38;2;10;20;30m▀▀▀\x1b[39m',
    '○ idle — alt+t trains · ETA 3 s',
    'épocas ü ñ',
    '猫の写真',
    'e\u0301', // a combining accent: one column, string-width's business
    '☕ tea',
    '\x1b]8;;http://x\x07link\x1b]8;;\x07',
    '',
  ];
  const fast = withFastPath(stringWidth);
  for (const s of samples) assert.equal(fast(s), stringWidth(s), JSON.stringify(s));
  assert.equal(fastStringWidth('┏━ 1 Dataset'), 12, 'box drawing: the fast rule answers');
  for (const s of ['猫の写真', 'e\u0301', '☕ tea', '\x1b]8;;http://x\x07link\x1b]8;;\x07', '\t'])
    assert.equal(fastStringWidth(s), undefined, `${JSON.stringify(s)}: left to string-width`);
  assert.equal(fastStringWidth('─', { ambiguousIsNarrow: false }), undefined, 'other options: left to string-width');
});
