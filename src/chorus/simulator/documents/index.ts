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

export async function attachmentsOf(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile[]> {
  const files: DocumentFile[] = [];
  for (const attachment of context.invoice.attachments) {
    const content = attachment.kind === 'stored' && attachment.fileKey ? await load(attachment.fileKey) : await renderAttachment(context, attachment);
    files.push({ name: attachment.name, mimeType: attachment.mimeType, content });
  }
  return files;
}

/** The PDF Chorus shows for the invoice: the supplier's PDF when there is one, else a rendering. */
export async function pdfViewOf(context: InvoiceContext, load: StoredFileLoader): Promise<DocumentFile> {
  const original = await originalOf(context, load);
  if (original.mimeType === 'application/pdf') return original;
  const pdf = await savePdf(await renderInvoicePdf(context));
  return { name: `${safeName(context.invoice.numeroFacture)}.pdf`, mimeType: 'application/pdf', content: pdf };
}

export async function pivotFilesOf(context: InvoiceContext, load: StoredFileLoader): Promise<PivotFile[]> {
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
