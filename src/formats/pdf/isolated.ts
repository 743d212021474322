// pdf-lib's full parse and the page text extraction run in a worker thread with a hard time
// bound: pdf-lib parses synchronously, so in-process a hostile PDF could hold the event loop (and
// every other request of the server) for as long as it likes. Past the read's deadline the thread
// is terminated and the read fails with InvoiceFormatError. One idle thread is kept (unref'd, so it
// never keeps the process alive) to spare the start-up cost to the next read.
import { Worker } from 'node:worker_threads';

import { InvoiceFormatError } from '../errors.ts';
import type { Deadline, Limits } from '../limits.ts';
import type { PdfAttachment } from './embedded.ts';
import { describePdfFailure, describeReaderCrash } from './failure.ts';
import type { PdfTask, PdfTaskResult } from './worker-task.ts';

const ENTRY = new URL('./worker.mjs', import.meta.url);
let idle: Worker | null = null;
let nextId = 1;

function takeWorker(): Worker {
  const worker = idle ?? new Worker(ENTRY);
  idle = null;
  worker.off('exit', forgetIdle);
  worker.off('error', ignore);
  worker.ref();
  return worker;
}

const ignore = (): void => undefined;
function forgetIdle(this: Worker): void {
  if (idle === this) idle = null;
}

// Only our own listeners are removed: removeAllListeners() would also drop the ones Node's Worker
// uses to start its message port, and a reused thread would never be heard again.
function giveBack(worker: Worker): void {
  if (idle !== null) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle = worker;
  // A thread that dies while idle is simply forgotten.
  worker.once('exit', forgetIdle);
  worker.on('error', ignore);
}

export type IsolatedPdf = { attachments: PdfAttachment[] | null; text: string | null };

/** Parses the PDF with pdf-lib in a worker thread; attachments and/or text as asked. */
export function parsePdfIsolated(content: Uint8Array, file: string, limits: Limits, deadline: Deadline, want: { attachments: boolean; text: boolean }): Promise<IsolatedPdf> {
  const timeout = Math.max(1, Math.floor(deadline.remaining()));
  const task: PdfTask = { id: nextId++, content, file, limits: { ...limits, timeoutMs: timeout }, attachments: want.attachments, text: want.text };
  const worker = takeWorker();
  return new Promise<IsolatedPdf>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void, reuse: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (reuse) giveBack(worker);
      else {
        worker.on('error', ignore);
        void worker.terminate();
      }
      outcome();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new InvoiceFormatError(file, 'the PDF', `could not be read within the time limit of ${deadline.timeoutMs} ms`)), false);
    }, timeout);
    const onMessage = (result: PdfTaskResult): void => {
      if (result.id !== task.id) return;
      if (result.ok) finish(() => resolve({ attachments: result.attachments, text: result.text }), true);
      else if (result.formatError) {
        const { field, rule } = result.formatError;
        finish(() => reject(new InvoiceFormatError(file, field, rule)), true);
      } else finish(() => reject(new InvoiceFormatError(file, 'the PDF', describePdfFailure(result.message))), true);
    };
    const onError = (error: Error): void => {
      finish(() => reject(new InvoiceFormatError(file, 'the PDF', describeReaderCrash(error), { cause: error })), false);
    };
    const onExit = (code: number): void => {
      finish(() => reject(new InvoiceFormatError(file, 'the PDF', `could not be read: the PDF reader stopped (exit code ${code})`)), false);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(task);
  });
}
