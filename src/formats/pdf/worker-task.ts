// The work done in the PDF worker thread: pdf-lib's full parse, the embedded files it finds and
// the text of the pages. pdf-lib parses large stretches synchronously, so only a thread that the
// main thread can terminate bounds it in time (see isolated.ts).
import { parentPort } from 'node:worker_threads';

import { PDFDocument, ParseSpeeds } from 'pdf-lib';

import { InvoiceFormatError } from '../errors.ts';
import { Deadline, type Limits } from '../limits.ts';
import { listEmbeddedFiles } from './embedded.ts';
import { describePdfFailure, NO_TRAILER } from './failure.ts';
import { extractText } from './text.ts';

export type PdfTask = { id: number; content: Uint8Array; file: string; limits: Limits; attachments: boolean; text: boolean };
export type PdfTaskResult =
  | { id: number; ok: true; attachments: ReturnType<typeof listEmbeddedFiles> | null; text: string | null }
  | { id: number; ok: false; formatError: { file: string; field: string; rule: string } | null; message: string };

export async function loadWithPdfLib(content: Uint8Array, file: string): Promise<PDFDocument> {
  // pdf-lib reports each object it skips with console.warn: a broken supplier PDF must not flood
  // the operator's terminal or logs, the outcome (read or InvoiceFormatError) says enough.
  const warn = console.warn;
  console.warn = () => undefined;
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(content, { ignoreEncryption: true, throwOnInvalidObject: false, updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
  } catch (error) {
    throw new InvoiceFormatError(file, 'the PDF', describePdfFailure(error), { cause: error });
  } finally {
    console.warn = warn;
  }
  // pdf-lib accepts a file whose trailer it could not find and fails later on the first lookup:
  // say so now, in the terms of the file.
  if (!document.context.trailerInfo.Root) throw new InvoiceFormatError(file, 'the PDF', NO_TRAILER);
  return document;
}

export async function runPdfTask(task: PdfTask): Promise<PdfTaskResult> {
  try {
    const deadline = new Deadline(task.limits.timeoutMs);
    const document = await loadWithPdfLib(task.content, task.file);
    const attachments = task.attachments ? listEmbeddedFiles(document, task.file, task.limits, deadline) : null;
    const text = task.text ? extractText(document, task.limits, deadline) : null;
    return { id: task.id, ok: true, attachments, text };
  } catch (error) {
    // Whatever failed inside pdf-lib or our walkers while listing files or reading text is told in
    // the file's terms; the library's own text never reaches the operator.
    const formatError = error instanceof InvoiceFormatError ? { file: error.file, field: error.field, rule: error.rule } : { file: task.file, field: 'the PDF', rule: describePdfFailure(error) };
    return { id: task.id, ok: false, formatError, message: formatError.rule };
  }
}

parentPort?.on('message', (task: PdfTask) => {
  void runPdfTask(task).then((result) => {
    const transfer = result.ok ? (result.attachments ?? []).map((attachment) => attachment.content.buffer as ArrayBuffer) : [];
    // A buffer shared by two attachments (or pooled) cannot be transferred twice: copy then.
    const unique = new Set(transfer);
    parentPort!.postMessage(result, unique.size === transfer.length ? transfer : []);
  });
});
