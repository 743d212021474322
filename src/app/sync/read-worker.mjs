// Entry of a sync reader thread (see read-pool.ts). Plain JavaScript so that the thread can
// register tsx itself before loading the TypeScript task, whatever started the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./read-task.ts');
