/** TensorFlow Lite image classifiers, rebuilt as trainable tfjs layers models. */
export { importTflite, type ImportedTflite, type TfliteImport } from './import.js';
export { loadTflite, convertedDir, IMPORTER_VERSION } from './cache.js';
export { HardSwish } from './hard-swish.js';
export { ConstantArithmetic } from './constant-arithmetic.js';
