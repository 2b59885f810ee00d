/** Verified downloads into petlab's cache, mirrors, and safe extraction. */
export { downloadFile, type DownloadOptions, type DownloadResult } from './download-file.js';
export { ensureBackboneFiles, type BackboneFiles, type EnsureBackboneOptions } from './backbone-files.js';
export { getDataset, datasetStatus, type DatasetStatus, type GetDatasetOptions } from './datasets.js';
export { extractArchive, archiveKind, type ExtractOptions, type ExtractStats } from './extract/index.js';
export { parseMirror, mirrorLocation, MIRROR_SETTING_HINT, type Mirror } from './mirror.js';
export { bytes as formatBytes } from '../../text/format.js';
export { ProgressMeter } from '../progress.js';
export * from './cache-layout.js';
