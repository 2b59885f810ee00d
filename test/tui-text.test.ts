/** Text in panes takes the columns a terminal draws: emoji and wide characters are two. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit, fitTail, stringWidth } from '../src/tui/components/text.js';

test('emoji a terminal draws two columns wide count two, so a class name with one fits its pane', () => {
  for (const e of ['✅', '⌚', '☕', '⚡', '🐶', '猫']) assert.equal(stringWidth(e), 2, e);
  assert.equal(stringWidth('é'), 1);
  assert.equal(fit('☕ coffee', 5), '☕ c…');
  assert.equal(fit('⚡', 3), '⚡ ');
  assert.equal(fit('⚡', 3, 'right'), ' ⚡');
  assert.equal(fitTail('✅ conv_16_project', 9), '…16_project'.slice(0, 1) + '_project');
  assert.equal(fit('abcdef', 4), 'abc…');
});
