// worker threads do not inherit tsx's loader hooks: register them before the TypeScript worker
import { register } from 'tsx/esm/api';

register();
await import('./step-worker.ts');
