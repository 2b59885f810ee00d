/** The pane kinds the workbench ships; later kinds register the same way. */
import { DatasetPane } from './DatasetPane.js';
import { LogPane } from './LogPane.js';
import { ModelPane } from './ModelPane.js';
import { PredictionsPane } from './PredictionsPane.js';
import { registerPaneKind } from './registry.js';

registerPaneKind({ kind: 'dataset', title: 'Dataset', description: 'classes, counts, skipped files; browse and pick images', component: DatasetPane });
registerPaneKind({ kind: 'model', title: 'Model stack', description: "the backbone's layers and the new head, input to output", component: ModelPane });
registerPaneKind({ kind: 'log', title: 'Training log', description: 'phase, progress, epochs and curves, messages', component: LogPane });
registerPaneKind({ kind: 'predictions', title: 'Predictions', description: 'an image and its top-5 classes, right or wrong', component: PredictionsPane });

export { paneKind, paneKinds, registerPaneKind, type PaneKind, type PaneProps } from './registry.js';
