// Embedded files of a PDF through pdf-lib: the /EmbeddedFiles name tree of the catalog (Names and
// Kids, bounded in depth, cycles ignored) and the catalog's /AF array. Every file is listed,
// whatever its AFRelationship: the caller picks the invoice XML by name and by root element.
import { PDFName, type PDFDocument, type PDFObject } from 'pdf-lib';

import { InvoiceFormatError } from '../errors.ts';
import type { Deadline, Limits } from '../limits.ts';
import { PDFDict, PDFRawStream, PDFRef, asArray, asDict, asName, asText, decodeStream, dictGet } from './objects.ts';

export type PdfAttachment = {
  filename: string;
  mimeType: string | null;
  description: string | null;
  relationship: string | null;
  content: Uint8Array;
};

export function listEmbeddedFiles(document: PDFDocument, file: string, limits: Limits, deadline: Deadline): PdfAttachment[] {
  const context = document.context;
  const catalog = document.catalog;
  const specs: PDFDict[] = [];
  const seen = new Set<PDFObject>();
  let visited = 0;

  const addSpec = (object: PDFObject | undefined): void => {
    const target = object instanceof PDFRef ? context.lookup(object) : object;
    if (!(target instanceof PDFDict) || seen.has(target)) return;
    seen.add(target);
    specs.push(target);
  };

  const walk = (node: PDFObject | undefined, depth: number): void => {
    visited += 1;
    if (visited > limits.maxPdfObjects) throw new InvoiceFormatError(file, 'the PDF /EmbeddedFiles name tree', `has more than ${limits.maxPdfObjects} nodes`);
    if (deadline.expired()) throw new InvoiceFormatError(file, 'the PDF', `could not be read within the time limit of ${deadline.timeoutMs} ms`);
    const target = node instanceof PDFRef ? context.lookup(node) : node;
    if (!(target instanceof PDFDict) || seen.has(target)) return;
    if (depth > limits.maxPdfDepth) throw new InvoiceFormatError(file, 'the PDF /EmbeddedFiles name tree', `is nested deeper than ${limits.maxPdfDepth} levels`);
    seen.add(target);
    const names = asArray(dictGet(context, target, 'Names'));
    if (names) {
      for (let index = 1; index < names.size(); index += 2) addSpec(names.get(index));
    }
    const kids = asArray(dictGet(context, target, 'Kids'));
    if (kids) {
      for (let index = 0; index < kids.size(); index += 1) walk(kids.get(index), depth + 1);
    }
  };

  const namesDict = asDict(dictGet(context, catalog, 'Names'));
  if (namesDict) walk(namesDict.get(PDFName.of('EmbeddedFiles')), 0);
  const af = asArray(dictGet(context, catalog, 'AF'));
  if (af) for (let index = 0; index < af.size(); index += 1) addSpec(af.get(index));

  const attachments: PdfAttachment[] = [];
  const seenStreams = new Set<PDFRawStream>();
  for (const spec of specs) {
    const ef = asDict(dictGet(context, spec, 'EF'));
    if (!ef) continue;
    const stream = dictGet(context, ef, 'UF') ?? dictGet(context, ef, 'F');
    if (!(stream instanceof PDFRawStream) || seenStreams.has(stream)) continue;
    seenStreams.add(stream);
    const content = decodeStream(context, stream, limits.maxBytes);
    if (content === null) {
      throw new InvoiceFormatError(file, `the embedded file ${asText(dictGet(context, spec, 'UF')) ?? asText(dictGet(context, spec, 'F')) ?? ''}`.trim(), `cannot be decoded or exceeds the size limit of ${limits.maxBytes} bytes`);
    }
    attachments.push({
      filename: asText(dictGet(context, spec, 'UF')) || asText(dictGet(context, spec, 'F')) || 'attachment',
      mimeType: asName(dictGet(context, stream.dict, 'Subtype')),
      description: asText(dictGet(context, spec, 'Desc')),
      relationship: asName(dictGet(context, spec, 'AFRelationship')),
      content,
    });
  }
  return attachments;
}
