// The files of an invoice: its original (as the supplier sent it — possibly deliberately broken),
// its supporting documents, its PDF view and its pivot units.
import type { SimInvoice } from '../model.ts';
import { writeCii } from './cii.ts';
import type { InvoiceContext } from './context.ts';
import { writeFacturX } from './facturx.ts';
import { renderAttachment, renderInvoicePdf, savePdf } from './pdf.ts';
import type { PivotFile } from './pivot.ts';
import { writeUbl } from './ubl.ts';
import { zip } from './zip.ts';

export type DocumentFile = { name: string; mimeType: string; content: Buffer };

/** Loads a file stored by /_sim/deposit. */
export type StoredFileLoader = (fileKey: string) => Promise<Buffer>;

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export async function originalOf(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile> {
  const { invoice } = context;
  if (invoice.storedOriginal) {
    return { name: invoice.storedOriginal.name, mimeType: invoice.storedOriginal.mimeType, content: await load(invoice.storedOriginal.fileKey) };
  }
  const base = safeName(invoice.numeroFacture);
  switch (invoice.form) {
    case 'UBL':
    case 'CII': {
      const xml = invoice.form === 'UBL' ? writeUbl(context) : writeCii(context);
      // A truncated upload: the XML stops in the middle of an element.
      const text = invoice.malformed === 'truncated-xml' ? xml.slice(0, Math.floor(xml.length * 0.6)) : xml;
      return { name: `${base}.xml`, mimeType: 'application/xml', content: Buffer.from(text, 'utf8') };
    }
    case 'FACTURX': {
      const pdf = await writeFacturX(context);
      return { name: `${base}.pdf`, mimeType: 'application/pdf', content: breakIfAsked(invoice, pdf) };
    }
    case 'PDF': {
      const pdf = await savePdf(await renderInvoicePdf(context));
      return { name: `${base}.pdf`, mimeType: 'application/pdf', content: breakIfAsked(invoice, pdf) };
    }
  }
}

function breakIfAsked(invoice: SimInvoice, pdf: Buffer): Buffer {
  // A broken PDF: cut before the cross-reference table and the trailer.
  return invoice.malformed === 'broken-pdf' ? pdf.subarray(0, Math.floor(pdf.length * 0.55)) : pdf;
}

export function attachmentsOf(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile[]> {
  return cached('attachments', context, () => renderAttachments(context, load));
}

async function renderAttachments(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile[]> {
  const files: DocumentFile[] = [];
  for (const attachment of context.invoice.attachments) {
    const content = attachment.kind === 'stored' && attachment.fileKey ? await load(attachment.fileKey) : await renderAttachment(context, attachment);
    files.push({ name: attachment.name, mimeType: attachment.mimeType, content });
  }
  return files;
}

// Rendered documents are kept: rendering a PDF or a Factur-X costs milliseconds of single-threaded
// pdf-lib work, and a real Chorus serves stored files. The key is everything the writers read (the
// invoice without its moving parts — status, history, download flag — and the parties), so a
// changed invoice or supplier renders again and the bytes are exactly what a fresh rendering gives.
// Invoices with files from /_sim/deposit are not kept (their files are already stored). The cache
// is bounded by bytes (oldest first out).
const CACHE_MAX_BYTES = Number(process.env.LIASSE_SIM_DOCUMENT_CACHE_MB ?? 512) * 1024 * 1024;
type CacheEntry = { key: string; bytes: number; value: Promise<unknown> };
const documentCache = new Map<string, CacheEntry>();
let cachedBytes = 0;

function fingerprint(context: InvoiceContext): string | null {
  const { invoice, supplier, structure, service } = context;
  if (invoice.storedOriginal || invoice.attachments.some((attachment) => attachment.kind === 'stored')) return null;
  const { statut: _s, dateHeureEtatCourant: _d, history: _h, downloaded: _w, commentaire: _c, numeroDpMandat: _m, anomalies: _a, cycle: _y, ...stable } = invoice;
  const { services: _services, attached: _attached, ...structureData } = structure;
  return JSON.stringify([stable, supplier, structureData, service]);
}

function sizeOf(value: unknown): number {
  const files = Array.isArray(value) ? value : [value];
  return files.reduce((sum: number, file) => sum + ((file as DocumentFile).content?.length ?? 0) + ((file as PivotFile).zipped?.length ?? 0), 0);
}

function cached<T>(kind: string, context: InvoiceContext, render: () => Promise<T>): Promise<T> {
  const key = fingerprint(context);
  if (key === null || CACHE_MAX_BYTES <= 0) return render();
  const slot = `${kind}:${context.invoice.idFacture}`;
  const hit = documentCache.get(slot);
  if (hit && hit.key === key) return hit.value as Promise<T>;
  if (hit) {
    documentCache.delete(slot);
    cachedBytes -= hit.bytes;
  }
  const entry: CacheEntry = { key, bytes: 0, value: render() };
  documentCache.set(slot, entry);
  entry.value.then(
    (value) => {
      if (documentCache.get(slot) !== entry) return;
      entry.bytes = sizeOf(value) + key.length;
      cachedBytes += entry.bytes;
      for (const [oldest, old] of documentCache) {
        if (cachedBytes <= CACHE_MAX_BYTES) break;
        documentCache.delete(oldest);
        cachedBytes -= old.bytes;
      }
    },
    () => {
      if (documentCache.get(slot) === entry) documentCache.delete(slot);
    },
  );
  return entry.value as Promise<T>;
}

/** Renders (and keeps) the documents of the invoices now, so that later downloads only serve them. */
export async function prerenderDocuments(contexts: Iterable<InvoiceContext>, load: StoredFileLoader): Promise<number> {
  let count = 0;
  for (const context of contexts) {
    await pivotFilesOf(context, load);
    await pdfViewOf(context, load);
    count += 1;
  }
  return count;
}

/** The PDF Chorus shows for the invoice: the supplier's PDF when there is one, else a rendering. */
export function pdfViewOf(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile> {
  return cached('pdf', context, () => renderPdfView(context, load));
}

async function renderPdfView(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile> {
  const original = await originalOf(context, load);
  if (original.mimeType === 'application/pdf') return original;
  const pdf = await savePdf(await renderInvoicePdf(context));
  return { name: `${safeName(context.invoice.numeroFacture)}.pdf`, mimeType: 'application/pdf', content: pdf };
}

export function pivotFilesOf(context: InvoiceContext, load: StoredFileLoader): Promise<PivotFile[]> {
  return cached('pivot', context, () => renderPivotFiles(context, load));
}

async function renderPivotFiles(context: InvoiceContext, load: StoredFileLoader): Promise<PivotFile[]> {
  const original = await originalOf(context, load);
  const attachments = await attachmentsOf(context, load);
  const files: PivotFile[] = [];
  const all = [{ file: original, type: '01' as const }, ...attachments.map((file) => ({ file, type: '02' as const }))];
  for (const [index, { file, type }] of all.entries()) {
    files.push({
      name: file.name,
      mimeType: file.mimeType,
      type,
      content: file.content,
      zipped: await zip([{ name: file.name, content: file.content }]),
      idOriginal: `${context.invoice.idFacture}-${index + 1}`,
    });
  }
  return files;
}
