// Worker threads start without the parent's module loader hooks when the parent registered tsx
// programmatically (bin/petlab.js), so register it here before loading the TypeScript host.
import { register } from 'tsx/esm/api';

register();
await import('./host.ts');
