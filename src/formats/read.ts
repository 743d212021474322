// Format detection and the public readers: readInvoiceFile (any supported file → one invoice and
// the files it carries) and readPivot (a Chorus pivot → each of its invoices with its PJ).
import type { Invoice } from '../domain/invoice.ts';
import { CII_MAPPING, CII_NS, newCiiState, type CiiState } from './cii.ts';
import { InvoiceFormatError } from './errors.ts';
import { Deadline, resolveLimits, type Limits } from './limits.ts';
import { readPdf } from './pdf/read.ts';
import { PIVOT_MAPPING, newPivotState, type PivotState } from './pivot.ts';
import type { EmbeddedFile, PivotAttachment, PivotDocument, ReadOptions, ReadResult } from './types.ts';
import { UBL_CREDIT_NOTE_NS, UBL_INVOICE_NS, UBL_MAPPING, newUblState, type UblState } from './ubl.ts';
import { sha256 } from './values.ts';
import { looksLikeXml } from './xml/decode.ts';
import { streamXml, type XmlMapping, type XmlRoot } from './xml/stream.ts';
import { expandZip, isZip } from './zip.ts';

type AnyState = UblState | CiiState | PivotState;
type XmlKind = 'UBL' | 'CII' | 'ZUGFERD1' | 'PIVOT';

/** Which reader a root element calls for, or null when it is no invoice we know. */
export function classifyRoot(localName: string, namespace: string | null): XmlKind | null {
  if (localName === 'Invoice' && namespace === UBL_INVOICE_NS) return 'UBL';
  if (localName === 'CreditNote' && namespace === UBL_CREDIT_NOTE_NS) return 'UBL';
  if (localName === 'CrossIndustryInvoice' && namespace === CII_NS) return 'CII';
  if (localName === 'CrossIndustryDocument') return 'ZUGFERD1';
  // The pre-1.0 ZUGFeRD "RC" draft: root Invoice in a CBFBUY / ferd namespace, ZUGFeRD 1 names.
  if (localName === 'Invoice' && namespace !== null && /CBFBUY|urn:ferd:/i.test(namespace)) return 'ZUGFERD1';
  if (localName === 'CPPFacturePivot') return 'PIVOT';
  return null;
}

function unsupportedRoot(file: string, root: XmlRoot): InvoiceFormatError {
  return new InvoiceFormatError(
    file,
    `the root element <${root.localName}>${root.namespace ? ` (namespace ${root.namespace})` : ''}`,
    'is not a supported invoice: expected a UBL 2.1 Invoice or CreditNote, a CII D16B CrossIndustryInvoice, a ZUGFeRD 1.0 CrossIndustryDocument or a Chorus Pro CPPFacturePivot',
  );
}

function checkSize(content: Uint8Array, file: string, limits: Limits): void {
  if (content.length > limits.maxBytes) {
    throw new InvoiceFormatError(file, 'the file', `is ${content.length} bytes, more than the size limit of ${limits.maxBytes} bytes`);
  }
  if (content.length === 0) throw new InvoiceFormatError(file, 'the file', 'is empty');
}

function isPdf(content: Uint8Array): boolean {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, 1024)).toString('latin1');
  return head.includes('%PDF-');
}

type XmlParse = { kind: XmlKind; state: AnyState; root: XmlRoot };

/** Streams an XML invoice through the reader its root element calls for. */
export function parseXml(content: Uint8Array, file: string, limits: Limits, deadline: Deadline): XmlParse {
  let kind: XmlKind | null = null;
  const { root, state } = streamXml<AnyState>(content, file, limits, deadline, (root) => {
    kind = classifyRoot(root.localName, root.namespace);
    switch (kind) {
      case 'UBL':
        return { mapping: UBL_MAPPING as XmlMapping<AnyState>, state: newUblState(file, limits, root.localName === 'CreditNote') };
      case 'CII':
      case 'ZUGFERD1':
        return { mapping: CII_MAPPING as XmlMapping<AnyState>, state: newCiiState(file, limits, kind) };
      case 'PIVOT':
        return { mapping: PIVOT_MAPPING as XmlMapping<AnyState>, state: newPivotState(file, limits, root.attributes.Version ?? null) };
      default:
        throw unsupportedRoot(file, root);
    }
  });
  return { kind: kind!, state, root };
}

/**
 * Reads one invoice file: UBL, CII, ZUGFeRD 1, Factur-X/ZUGFeRD PDF, Chorus pivot (its first
 * invoice; use readPivot for all of them) or PDF-only. Throws InvoiceFormatError.
 */
export async function readInvoiceFile(content: Uint8Array, filename: string, options: ReadOptions = {}): Promise<ReadResult> {
  const limits = resolveLimits(options.limits);
  const deadline = new Deadline(limits.timeoutMs);
  checkSize(content, filename, limits);
  if (isPdf(content)) return readPdf(content, filename, limits, deadline, options);
  if (!looksLikeXml(content)) {
    if (isZip(content)) throw new InvoiceFormatError(filename, 'the file', 'is a ZIP archive, not an invoice: extract the invoice first');
    throw new InvoiceFormatError(filename, 'the file', 'is neither an XML nor a PDF document');
  }
  const parsed = parseXml(content, filename, limits, deadline);
  if (parsed.kind === 'PIVOT') {
    const document = await finishPivot(parsed.state as PivotState, filename, limits, deadline);
    const first = document.invoices[0];
    if (!first) throw new InvoiceFormatError(filename, 'element CPPFactures', 'holds no CPPFacturePivotUnitaire invoice');
    return { invoice: first.invoice, files: first.attachments.map(toEmbeddedFile) };
  }
  const state = parsed.state as UblState | CiiState;
  return { invoice: state.invoice, files: state.files };
}

export function xmlResult(parsed: XmlParse): { invoice: Invoice; files: EmbeddedFile[] } {
  const state = parsed.state as UblState | CiiState;
  return { invoice: state.invoice, files: state.files };
}

function toEmbeddedFile(attachment: PivotAttachment): EmbeddedFile {
  return {
    filename: attachment.filename,
    mimeType: attachment.mimeType,
    content: attachment.content,
    chorusType: attachment.chorusType,
    description: attachment.description,
  };
}

/** Reads a Chorus Pro pivot (V1_22 or V2_02) holding one or more invoices, with their PJ decoded. */
export async function readPivot(content: Uint8Array, filename: string, options: ReadOptions = {}): Promise<PivotDocument> {
  const limits = resolveLimits(options.limits);
  const deadline = new Deadline(limits.timeoutMs);
  checkSize(content, filename, limits);
  if (!looksLikeXml(content)) throw new InvoiceFormatError(filename, 'the file', 'is not an XML document, so not a Chorus Pro pivot');
  const parsed = parseXml(content, filename, limits, deadline);
  if (parsed.kind !== 'PIVOT') {
    throw new InvoiceFormatError(filename, `the root element <${parsed.root.localName}>`, 'is not CPPFacturePivot, so the file is not a Chorus Pro pivot');
  }
  return finishPivot(parsed.state as PivotState, filename, limits, deadline);
}

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  xml: 'application/xml',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  txt: 'text/plain',
  csv: 'text/csv',
};

function mimeOf(filename: string, fallback: string | null): string | null {
  const extension = filename.toLowerCase().split('.').pop() ?? '';
  return MIME_BY_EXTENSION[extension] ?? fallback;
}

/** Expands the PJ that are ZIPs (unless the PJ itself is meant as a .zip) and indexes them. */
async function finishPivot(state: PivotState, file: string, limits: Limits, deadline: Deadline): Promise<PivotDocument> {
  const document = state.document;
  for (const [index, pivotInvoice] of document.invoices.entries()) {
    const raw = state.pjs[index] ?? [];
    for (const pj of raw) {
      const content = pj.content ?? new Uint8Array(0);
      const base = {
        chorusType: pj.chorusType,
        description: pj.description,
        uniqueId: pj.uniqueId,
        originalId: pj.originalId,
        category: pj.category,
      };
      const declaredZip = /\.zip\s*$/i.test(pj.filename) || /zip/i.test(pj.mimeType ?? '');
      if (isZip(content) && !declaredZip) {
        const entries = await expandZip(content, `${file} (PJ ${pj.filename.trim()})`, limits, deadline);
        for (const entry of entries) {
          pivotInvoice.attachments.push({ ...base, filename: entry.filename, mimeType: mimeOf(entry.filename, entries.length === 1 ? pj.mimeType : null), content: entry.content, archiveName: pj.filename.trim() });
        }
      } else {
        pivotInvoice.attachments.push({ ...base, filename: pj.filename.trim(), mimeType: pj.mimeType, content, archiveName: null });
      }
    }
    pivotInvoice.invoice.attachments = pivotInvoice.attachments.map((attachment) => ({
      filename: attachment.filename,
      mimeType: attachment.mimeType,
      size: attachment.content.length,
      sha256: sha256(attachment.content),
      description: attachment.description,
      chorusType: attachment.chorusType,
      reference: attachment.originalId,
    }));
  }
  return document;
}
