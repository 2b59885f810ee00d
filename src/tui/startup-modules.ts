/**
 * Everything the workbench needs before its first interactive frame, behind one import: the build
 * bundles this file (with Ink and React) into one module, dist/tui/startup-modules.js, which Node
 * loads far faster than the few hundred files it stands for (scripts/build.mjs).
 */
export * as ink from 'ink';
export { createElement } from 'react';
export { SizedWorkbench } from './SizedWorkbench.js';
export { WorkbenchStore } from './state/store.js';
export { initialState } from './state/types.js';
export { WorkbenchController } from './controller/controller.js';
export { loadKeymap } from './keys/keymap.js';
export { frameWriter } from './render/frame-writer.js';
