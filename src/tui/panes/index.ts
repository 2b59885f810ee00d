/** The pane kinds the workbench ships; later kinds register the same way. */
import { ActivationsPane } from './ActivationsPane.js';
import { DatasetPane } from './DatasetPane.js';
import { InterpretationPane } from './InterpretationPane.js';
import { LrFindPane } from './LrFindPane.js';
import { LogPane } from './LogPane.js';
import { ModelPane } from './ModelPane.js';
import { PairsPane } from './PairsPane.js';
import { PredictionsPane } from './PredictionsPane.js';
import { ReviewPane } from './ReviewPane.js';
import { registerPaneKind } from './registry.js';

registerPaneKind({ kind: 'dataset', title: 'Dataset', description: 'classes, counts, skipped files; browse and pick images', component: DatasetPane });
registerPaneKind({ kind: 'model', title: 'Model stack', description: "the backbone's layers and the new head, input to output", component: ModelPane });
registerPaneKind({ kind: 'log', title: 'Training log', description: 'phase, progress, epochs and curves, messages', component: LogPane });
registerPaneKind({
  kind: 'predictions',
  title: 'Predictions',
  description: 'an image and its top-5 classes, right or wrong; g: Grad-CAM over it',
  component: PredictionsPane,
});
registerPaneKind({
  kind: 'activations',
  title: 'Activations',
  description: "the Model stack's layer's feature maps for the selected image",
  component: ActivationsPane,
});
registerPaneKind({
  kind: 'interpretation',
  title: 'Interpretation',
  description: 'confusion matrix, most-confused pairs, top losses (alt+e)',
  component: InterpretationPane,
});
registerPaneKind({ kind: 'lr-find', title: 'LR finder', description: 'loss against learning rate, the suggested --lr (alt+l)', component: LrFindPane });
registerPaneKind({
  kind: 'review',
  title: 'Review',
  description: 'pictures that look mislabelled, one at a time: accept, keep, undo (alt+r)',
  component: ReviewPane,
});
registerPaneKind({
  kind: 'pairs',
  title: 'Pairs',
  description: 'two pictures, same class or not: b marks A, the next selection is B (alt+w trains)',
  component: PairsPane,
});

export { paneKind, paneKinds, registerPaneKind, type PaneKind, type PaneProps } from './registry.js';
