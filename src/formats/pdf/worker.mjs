// Entry of the PDF worker thread (see isolated.ts). Plain JavaScript so that the thread can
// register tsx itself before loading the TypeScript task, whatever started the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./worker-task.ts');
