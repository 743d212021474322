// Reading an invoice (pivot, original, EN 16931 rules) costs milliseconds of synchronous parsing:
// on the sync's thread it would stall the downloads and the store. The sync hands reads to a small
// pool of worker threads instead, each taking one invoice at a time, so reading overlaps
// downloading and storing. With `size` 0 reads run in the calling thread (tests, one-core hosts).
// A thread that dies fails its read (the invoice is then stored quarantined by the caller's
// rules) and is replaced; `close()` ends the threads.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { readDownloadedInvoice, type ReadInput, type ReadOutcome } from './read.ts';
import type { ReadTask, ReadTaskResult } from './read-task.ts';

const ENTRY = new URL('./read-worker.mjs', import.meta.url);

export type ReadPool = {
  read(input: ReadInput): Promise<ReadOutcome>;
  close(): Promise<void>;
};

/** Threads by default: one per core but one (the sync's own thread), at least one, at most four. */
export function defaultReaders(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores - 1));
}

type Slot = { worker: Worker; busy: { task: ReadTask; resolve: (outcome: ReadOutcome) => void; reject: (error: Error) => void } | null };

export function createReadPool(size = defaultReaders()): ReadPool {
  if (size <= 0) return { read: readDownloadedInvoice, close: async () => undefined };
  const slots: Slot[] = [];
  const queue: { task: ReadTask; resolve: (outcome: ReadOutcome) => void; reject: (error: Error) => void }[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(ENTRY), busy: null };
    slot.worker.on('message', (result: ReadTaskResult) => {
      const busy = slot.busy;
      if (!busy || busy.task.id !== result.id) return;
      slot.busy = null;
      if (result.ok) {
        const toBuffer = (content: Uint8Array) => Buffer.from(content.buffer, content.byteOffset, content.byteLength);
        const outcome = result.outcome;
        busy.resolve({
          ...outcome,
          original: outcome.original ? { ...outcome.original, content: toBuffer(outcome.original.content) } : null,
          attachments: outcome.attachments.map((file) => ({ ...file, content: toBuffer(file.content) })),
        });
      } else busy.reject(new Error(result.message));
      pump();
    });
    const onDeath = (error: Error) => {
      const index = slots.indexOf(slot);
      if (index < 0) return;
      slots.splice(index, 1);
      if (slot.busy) slot.busy.reject(error);
      slot.busy = null;
      if (!closed) {
        slots.push(spawn());
        pump();
      }
    };
    slot.worker.on('error', onDeath);
    slot.worker.on('exit', (code) => onDeath(new Error(`le lecteur de factures s'est arrêté (code ${code})`)));
    return slot;
  };

  const pump = () => {
    for (const slot of slots) {
      if (slot.busy || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.busy = job;
      // The pivot is copied into a buffer of its own and moved: it is usually a view into a whole download.
      const pivot = new Uint8Array(job.task.input.pivot.byteLength);
      pivot.set(job.task.input.pivot);
      slot.worker.postMessage({ id: job.task.id, input: { ...job.task.input, pivot } } satisfies ReadTask, [pivot.buffer]);
    }
  };

  for (let index = 0; index < size; index += 1) slots.push(spawn());
  return {
    read(input) {
      if (closed) return Promise.reject(new Error('read pool closed'));
      return new Promise<ReadOutcome>((resolve, reject) => {
        queue.push({ task: { id: nextId++, input }, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('read pool closed'));
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
