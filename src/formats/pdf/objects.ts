// Helpers over pdf-lib's object model: resolving references, reading strings and names, and
// decoding streams with a bounded output size (node:zlib for Flate, pdf-lib for the rest).
import zlib from 'node:zlib';

import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRawStream,
  PDFRef,
  PDFString,
  decodePDFRawStream,
  type PDFContext,
  type PDFObject,
} from 'pdf-lib';

export function resolve(context: PDFContext, object: PDFObject | undefined): PDFObject | undefined {
  let current = object;
  for (let hops = 0; current instanceof PDFRef && hops < 16; hops += 1) current = context.lookup(current);
  return current instanceof PDFRef ? undefined : current;
}

export function dictGet(context: PDFContext, dict: PDFDict, key: string): PDFObject | undefined {
  return resolve(context, dict.get(PDFName.of(key)));
}

export function asDict(object: PDFObject | undefined): PDFDict | undefined {
  if (object instanceof PDFDict) return object;
  if (object instanceof PDFRawStream) return object.dict;
  return undefined;
}

export function asText(object: PDFObject | undefined): string | null {
  if (object instanceof PDFString || object instanceof PDFHexString) return object.decodeText();
  if (object instanceof PDFName) return object.decodeText();
  return null;
}

export function asName(object: PDFObject | undefined): string | null {
  return object instanceof PDFName ? object.decodeText() : null;
}

export function asNumber(object: PDFObject | undefined): number | null {
  return object instanceof PDFNumber ? object.asNumber() : null;
}

export function asArray(object: PDFObject | undefined): PDFArray | undefined {
  return object instanceof PDFArray ? object : undefined;
}

/** The decoded bytes of a stream, or null when it cannot be decoded within `maxBytes`. */
export function decodeStream(context: PDFContext, stream: PDFRawStream, maxBytes: number): Uint8Array | null {
  const filter = dictGet(context, stream.dict, 'Filter');
  const filters: string[] = [];
  if (filter instanceof PDFName) filters.push(filter.decodeText());
  else if (filter instanceof PDFArray) {
    for (let index = 0; index < filter.size(); index += 1) {
      const name = asName(resolve(context, filter.get(index)));
      if (name) filters.push(name);
    }
  }
  const parms = dictGet(context, stream.dict, 'DecodeParms');
  if (filters.length === 0) return stream.contents;
  if (filters.length === 1 && filters[0] === 'FlateDecode' && !(parms instanceof PDFDict && dictGet(context, parms, 'Predictor'))) {
    return inflateBounded(stream.contents, maxBytes);
  }
  try {
    const decoded = decodePDFRawStream(stream).decode();
    return decoded.length > maxBytes ? null : decoded;
  } catch {
    return null;
  }
}

export function inflateBounded(bytes: Uint8Array, maxBytes: number): Uint8Array | null {
  try {
    return zlib.inflateSync(bytes, { maxOutputLength: maxBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch {
    try {
      // Some producers write raw deflate data without the zlib header.
      return zlib.inflateRawSync(bytes, { maxOutputLength: maxBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      return null;
    }
  }
}

export { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef };
