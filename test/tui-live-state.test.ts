// Keys arrive faster than React draws on a loaded machine: a handler must build on what the
// previous key left, not on its render's closure (the Interpretation grid lost 5 of 36 `j` so).
import assert from 'node:assert/strict';
import test from 'node:test';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { useLiveState } from '../src/tui/hooks/live-state.js';

test('useLiveState: two keys handled before a render both count; the frame shows the last', async () => {
  let press: () => void = () => undefined;
  function Counter() {
    const [n, setN, nNow] = useLiveState(0);
    press = () => setN(nNow.current + 1); // the pattern panes use: read the live value
    return createElement(Text, null, `n=${n}`);
  }
  const inst = render(createElement(Counter));
  try {
    press();
    press(); // same tick: no render in between
    press();
    await new Promise((r) => setTimeout(r, 400));
    assert.match(inst.lastFrame() ?? '', /n=3/);
  } finally {
    inst.unmount();
  }
});
