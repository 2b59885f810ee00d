/**
 * Seeing inside the stack: what front ends use (all plain data, no Ink, no tensors; nothing
 * imported here loads TensorFlow, which stays in the workers).
 *
 * - Activations: `session.activations(file, { layer, page, perPage, maxMapSize })` → ActivationPage
 *   (per channel: index and statistics; maps as Float32Array and 0..255 heat values, strongest
 *   first). Draw tiles with `gridLayout` / `tileOrigin` and `colormap('viridis')`, or take the
 *   whole grid as RGB from `renderActivationGrid`. `session.explainLayers()` lists the layers.
 * - Grad-CAM: `session.gradCam(file, { className?, layer? })` → a [0, 1] map (camHeight x camWidth)
 *   with the predictions; `overlayHeatmap(await modelViewImage(file, resize, size), cam, h, w)`
 *   draws it over the part of the picture the network saw.
 * - Interpretation: `interpretEvaluation({ classes, files, labels, probs })` from `session.evaluate`
 *   → confusion matrix, most-confused pairs, top losses.
 */
export type { ActivationPage, ActivationRequest, ChannelStats } from './activations.js';
export { GRID_DEFAULTS, gridLayout, pageCaption, renderActivationGrid, tileOrigin, type GridLayout, type GridOptions } from './activation-grid.js';
export { classNamesFor, resolveClassName } from './classes.js';
export { COLORMAPS, colormap, type ColormapName } from './colormap.js';
export type { GradCamRequest, GradCamResult } from './grad-cam.js';
export { interpretEvaluation, type ConfusedPairInfo, type EvaluationRows, type Interpretation, type TopLoss } from './interpretation.js';
export { closestNames, formatShape, resolveInspectableLayer, type ExplainLayerRow } from './layers.js';
export { modelViewImage } from './model-view.js';
export { massInRegion, overlayHeatmap, upsampleMap, type OverlayOptions } from './overlay.js';
