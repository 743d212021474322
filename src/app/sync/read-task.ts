// The body of a sync reader thread: reads the invoices posted to it, one message each.
import { parentPort } from 'node:worker_threads';
import type { EmbeddedFile } from '../../formats/index.ts';
import { readDownloadedInvoice, type ReadInput, type ReadOutcome } from './read.ts';

export type ReadTask = { id: number; input: ReadInput };
export type ReadTaskResult = { id: number; ok: true; outcome: ReadOutcome } | { id: number; ok: false; message: string };

/** A file's own bytes in a buffer of their own: posting a view would copy the whole buffer under it. */
function own(file: EmbeddedFile, transfer: ArrayBuffer[]): EmbeddedFile {
  const content = new Uint8Array(file.content.byteLength);
  content.set(file.content);
  transfer.push(content.buffer);
  return { ...file, content };
}

parentPort!.on('message', (task: ReadTask) => {
  readDownloadedInvoice(task.input).then(
    (outcome) => {
      const transfer: ArrayBuffer[] = [];
      const original = outcome.original ? own(outcome.original, transfer) : null;
      const attachments = outcome.attachments.map((file) => own(file, transfer));
      const result: ReadTaskResult = { id: task.id, ok: true, outcome: { ...outcome, original, attachments } };
      parentPort!.postMessage(result, transfer);
    },
    (error: unknown) => {
      const result: ReadTaskResult = { id: task.id, ok: false, message: error instanceof Error ? error.message : String(error) };
      parentPort!.postMessage(result);
    },
  );
});
