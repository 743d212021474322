// A PDF invoice: Factur-X / ZUGFeRD (the invoice XML is one of its embedded files) or PDF-only.
// The invoice XML is chosen by name AND by root element, whatever its AFRelationship says: known
// names first (factur-x.xml, xrechnung.xml, zugferd-invoice.xml, ZUGFeRD-invoice.xml), then any
// embedded XML whose root is an invoice; CII wins over ZUGFeRD 1 when a PDF carries both.
import { emptyInvoice, type Invoice } from '../../domain/invoice.ts';
import { InvoiceFormatError } from '../errors.ts';
import type { Deadline, Limits } from '../limits.ts';
import { classifyRoot, parseXml, xmlResult } from '../read.ts';
import type { EmbeddedFile, ReadOptions, ReadResult } from '../types.ts';
import { sha256 } from '../values.ts';
import { decodeXml, looksLikeXml } from '../xml/decode.ts';
import type { PdfAttachment } from './embedded.ts';
import { parsePdfIsolated } from './isolated.ts';
import { listEmbeddedFilesFast } from './lazy.ts';

const KNOWN_NAMES = ['factur-x.xml', 'xrechnung.xml', 'zugferd-invoice.xml'];

/** The root element of an XML attachment, read from its first start tag (no full parse). */
function rootOf(content: Uint8Array): { localName: string; namespace: string | null } | null {
  if (!looksLikeXml(content)) return null;
  const head = decodeXml(content.subarray(0, Math.min(content.length, 8192)));
  const match = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(head.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''));
  if (!match) return null;
  const prefix = match[1]?.slice(0, -1);
  const attributes = match[3] ?? '';
  const ns = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(attributes);
  return { localName: match[2]!, namespace: ns?.[1] ?? null };
}

export function chooseInvoiceXml(attachments: PdfAttachment[]): PdfAttachment | null {
  let best: PdfAttachment | null = null;
  let bestScore = 0;
  for (const attachment of attachments) {
    const root = rootOf(attachment.content);
    if (!root) continue;
    const kind = classifyRoot(root.localName, root.namespace);
    if (kind === null || kind === 'PIVOT') continue;
    let score = kind === 'CII' ? 30 : kind === 'UBL' ? 20 : 10;
    const name = attachment.filename.toLowerCase();
    const known = KNOWN_NAMES.indexOf(name);
    if (known >= 0) score += 5 - known;
    if (score > bestScore) {
      best = attachment;
      bestScore = score;
    }
  }
  return best;
}

export async function readPdf(content: Uint8Array, file: string, limits: Limits, deadline: Deadline, options: ReadOptions): Promise<ReadResult> {
  // Fast path: follow the cross-reference table to the embedded files only. Any surprise there
  // (broken xref, unusual structure) falls back to pdf-lib's full parse.
  let attachments: PdfAttachment[] | null = null;
  try {
    attachments = listEmbeddedFilesFast(content, file, limits, deadline);
  } catch (error) {
    if (error instanceof InvoiceFormatError && /limit/.test(error.message)) throw error;
    attachments = null;
  }
  // The full parse runs in a worker thread with a hard time bound (isolated.ts); when it is needed
  // for the attachments, the text comes in the same trip unless the caller declined it.
  let text: string | null | undefined;
  if (attachments === null || attachments.length === 0) {
    const isolated = await parsePdfIsolated(content, file, limits, deadline, { attachments: true, text: options.extractText !== false });
    attachments = isolated.attachments ?? [];
    text = options.extractText === false ? undefined : isolated.text;
  }
  const chosen = chooseInvoiceXml(attachments);
  const others = attachments.filter((attachment) => attachment !== chosen);
  const files: EmbeddedFile[] = others.map((attachment) => ({
    filename: attachment.filename,
    mimeType: attachment.mimeType,
    content: attachment.content,
    chorusType: null,
    description: attachment.description,
  }));
  let invoice: Invoice;
  if (chosen) {
    const parsed = parseXml(chosen.content, `${file} (${chosen.filename})`, limits, deadline);
    const result = xmlResult(parsed);
    invoice = result.invoice;
    if (parsed.kind === 'CII') invoice.format = 'FACTURX';
    files.push(...result.files);
  } else {
    invoice = emptyInvoice('PDF');
  }
  for (const attachment of others) {
    invoice.attachments.push({
      filename: attachment.filename,
      mimeType: attachment.mimeType,
      size: attachment.content.length,
      sha256: sha256(attachment.content),
      description: attachment.description,
      chorusType: null,
    });
  }
  const wantText = options.extractText ?? invoice.format === 'PDF';
  if (wantText) {
    invoice.text = text !== undefined ? text : (await parsePdfIsolated(content, file, limits, deadline, { attachments: false, text: true })).text;
  }
  return { invoice, files };
}
