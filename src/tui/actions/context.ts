/** What an action's handler may touch: the store, the controller, the layout, the overlays. */
import type { WorkbenchController } from '../controller/controller.js';
import type { Layout, SplitDir } from '../layout/tree.js';
import type { WorkbenchStore } from '../state/store.js';

/** An overlay that takes the keys: key help, the prompt, the kind chooser, the quit question. */
export type Mode = { type: 'help' } | { type: 'prompt' } | { type: 'chooser'; dir?: SplitDir } | { type: 'confirm-quit' };

export interface ActionContext {
  store: WorkbenchStore;
  controller: WorkbenchController;
  /** the latest layout (keys can arrive faster than renders) */
  layout(): Layout;
  setLayout(l: Layout): void;
  setMode(m: Mode | undefined): void;
  /** show a kind of pane (opening one by the layout rule when none is there); the focus stays unless asked to move (a pane whose keys are the point) */
  reveal(kind: string, o?: { focus?: boolean }): void;
  /** quit, or ask first while training runs */
  quit(): void;
  /** the panes' area, in cells */
  area(): { width: number; height: number };
}
