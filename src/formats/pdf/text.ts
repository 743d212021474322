// Text of a PDF for search (PDF-only deposits, "sans métadonnée"): a small extractor over the page
// content streams. It handles the text-showing operators Tj, TJ, ' and ", line moves (Td, TD, T*,
// Tm), simple fonts in WinAnsi/Standard encoding with /Differences, and any font with a /ToUnicode
// CMap (which covers the composite Type0/Identity-H fonts of modern producers). Bounded in pages,
// objects, characters and time.
import { PDFName, type PDFContext, type PDFDocument, type PDFObject } from 'pdf-lib';

import type { Deadline, Limits } from '../limits.ts';
import { PDFArray, PDFDict, PDFRawStream, PDFRef, asArray, asDict, asName, decodeStream, dictGet, resolve } from './objects.ts';

type Font = { twoByte: boolean; toUnicode: Map<number, string> | null; differences: Map<number, string> | null };

const WIN_ANSI = new TextDecoder('windows-1252');

export function extractText(document: PDFDocument, limits: Limits, deadline: Deadline): string {
  const context = document.context;
  const out: string[] = [];
  let length = 0;
  const push = (value: string): boolean => {
    if (length >= limits.maxTextChars) return false;
    const room = limits.maxTextChars - length;
    const piece = value.length > room ? value.slice(0, room) : value;
    out.push(piece);
    length += piece.length;
    return length < limits.maxTextChars;
  };
  const pages = collectPages(context, document.catalog.get(pdfName('Pages')), limits);
  const fontCache = new Map<PDFObject, Font>();
  for (const { page, resources } of pages) {
    if (deadline.expired() || length >= limits.maxTextChars) break;
    const fonts = asDict(resources ? dictGet(context, resources, 'Font') : undefined);
    const contents = resolve(context, page.get(pdfName('Contents')));
    const streams: PDFRawStream[] = [];
    if (contents instanceof PDFRawStream) streams.push(contents);
    else if (contents instanceof PDFArray) {
      for (let index = 0; index < contents.size(); index += 1) {
        const item = resolve(context, contents.get(index));
        if (item instanceof PDFRawStream) streams.push(item);
      }
    }
    const parts: Uint8Array[] = [];
    for (const stream of streams) {
      const decoded = decodeStream(context, stream, limits.maxBytes);
      if (decoded) parts.push(decoded);
    }
    const data = Buffer.concat(parts);
    const fontOf = (name: string): Font | null => {
      if (!fonts) return null;
      const raw = fonts.get(pdfName(name));
      const fontDict = asDict(resolve(context, raw));
      if (!fontDict) return null;
      const key = raw ?? fontDict;
      let font = fontCache.get(key);
      if (!font) {
        font = loadFont(context, fontDict, limits);
        fontCache.set(key, font);
      }
      return font;
    };
    if (!runContent(data, fontOf, push, deadline)) break;
    push('\n');
  }
  return out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function pdfName(name: string): PDFName {
  return PDFName.of(name);
}

function collectPages(context: PDFContext, root: PDFObject | undefined, limits: Limits): { page: PDFDict; resources: PDFDict | undefined }[] {
  const pages: { page: PDFDict; resources: PDFDict | undefined }[] = [];
  const seen = new Set<PDFObject>();
  const walk = (node: PDFObject | undefined, inherited: PDFDict | undefined, depth: number): void => {
    if (depth > limits.maxPdfDepth || seen.size > limits.maxPdfObjects) return;
    const target = node instanceof PDFRef ? context.lookup(node) : node;
    if (!(target instanceof PDFDict) || seen.has(target)) return;
    seen.add(target);
    const resources = asDict(dictGet(context, target, 'Resources')) ?? inherited;
    const kids = asArray(dictGet(context, target, 'Kids'));
    if (kids) {
      for (let index = 0; index < kids.size(); index += 1) walk(kids.get(index), resources, depth + 1);
    } else if (asName(dictGet(context, target, 'Type')) !== 'Pages') {
      pages.push({ page: target, resources });
    }
  };
  walk(root, undefined, 0);
  return pages;
}

function loadFont(context: PDFContext, font: PDFDict, limits: Limits): Font {
  const subtype = asName(dictGet(context, font, 'Subtype'));
  const twoByte = subtype === 'Type0';
  let toUnicode: Map<number, string> | null = null;
  const cmap = dictGet(context, font, 'ToUnicode');
  if (cmap instanceof PDFRawStream) {
    const bytes = decodeStream(context, cmap, Math.min(limits.maxBytes, 4 * 1024 * 1024));
    if (bytes) toUnicode = parseToUnicode(Buffer.from(bytes).toString('latin1'));
  }
  let differences: Map<number, string> | null = null;
  const encoding = asDict(dictGet(context, font, 'Encoding'));
  const diff = encoding ? asArray(dictGet(context, encoding, 'Differences')) : undefined;
  if (diff) {
    differences = new Map();
    let code = 0;
    for (let index = 0; index < diff.size(); index += 1) {
      const item = resolve(context, diff.get(index));
      const name = asName(item);
      if (name !== null) {
        const char = glyphToChar(name);
        if (char !== null) differences.set(code, char);
        code += 1;
      } else if (item && 'asNumber' in item) {
        code = (item as unknown as { asNumber(): number }).asNumber();
      }
    }
  }
  return { twoByte, toUnicode, differences };
}

const GLYPHS: Record<string, string> = {
  space: ' ', period: '.', comma: ',', hyphen: '-', colon: ':', semicolon: ';', slash: '/', parenleft: '(', parenright: ')',
  zero: '0', one: '1', two: '2', three: '3', four: '4', five: '5', six: '6', seven: '7', eight: '8', nine: '9',
  percent: '%', ampersand: '&', at: '@', quoteright: '’', quotesingle: "'", numbersign: '#', plus: '+', equal: '=',
  underscore: '_', Euro: '€', eacute: 'é', egrave: 'è', ecircumflex: 'ê', agrave: 'à', ccedilla: 'ç', ugrave: 'ù',
  ocircumflex: 'ô', icircumflex: 'î', Eacute: 'É', adieresis: 'ä', odieresis: 'ö', udieresis: 'ü', germandbls: 'ß',
  Adieresis: 'Ä', Odieresis: 'Ö', Udieresis: 'Ü', endash: '–', emdash: '—', bullet: '•', degree: '°', quotedbl: '"',
};

function glyphToChar(name: string): string | null {
  if (name.length === 1) return name;
  const known = GLYPHS[name];
  if (known) return known;
  const uni = /^uni([0-9A-Fa-f]{4})/.exec(name);
  if (uni) return String.fromCharCode(Number.parseInt(uni[1]!, 16));
  return null;
}

function parseToUnicode(source: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexToString = (hex: string): string => {
    let result = '';
    for (let index = 0; index + 4 <= hex.length; index += 4) result += String.fromCharCode(Number.parseInt(hex.slice(index, index + 4), 16));
    if (hex.length === 2) result = String.fromCharCode(Number.parseInt(hex, 16));
    return result;
  };
  for (const block of source.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const pair of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>/g)) {
      map.set(Number.parseInt(pair[1]!, 16), hexToString(pair[2]!));
    }
  }
  for (const block of source.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const range of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<([0-9A-Fa-f]*)>|\[([^\]]*)\])/g)) {
      const start = Number.parseInt(range[1]!, 16);
      const end = Math.min(Number.parseInt(range[2]!, 16), start + 65535);
      if (range[4] !== undefined) {
        const base = Number.parseInt(range[4].slice(-4) || '0', 16);
        const prefix = hexToString(range[4].slice(0, -4));
        for (let code = start; code <= end; code += 1) map.set(code, prefix + String.fromCharCode(base + code - start));
      } else if (range[5] !== undefined) {
        const items = [...range[5].matchAll(/<([0-9A-Fa-f]*)>/g)];
        items.forEach((item, offset) => map.set(start + offset, hexToString(item[1]!)));
      }
    }
  }
  return map;
}

function decodeShown(bytes: number[], font: Font | null): string {
  if (font?.toUnicode) {
    let result = '';
    if (font.twoByte) {
      for (let index = 0; index + 1 < bytes.length; index += 2) result += font.toUnicode.get((bytes[index]! << 8) | bytes[index + 1]!) ?? '';
    } else {
      for (const byte of bytes) result += font.toUnicode.get(byte) ?? WIN_ANSI.decode(Uint8Array.of(byte));
    }
    return result;
  }
  if (font?.twoByte) return '';
  if (font?.differences) {
    let result = '';
    for (const byte of bytes) result += font.differences.get(byte) ?? WIN_ANSI.decode(Uint8Array.of(byte));
    return result;
  }
  return WIN_ANSI.decode(Uint8Array.from(bytes));
}

/** Interprets one page's content stream; returns false once the text budget is spent. */
function runContent(data: Uint8Array, fontOf: (name: string) => Font | null, push: (text: string) => boolean, deadline: Deadline): boolean {
  const operands: (number | string | number[] | (number | number[])[] | null)[] = [];
  let font: Font | null = null;
  let index = 0;
  const length = data.length;
  let steps = 0;
  const isWhite = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
  const isDelim = (c: number): boolean => c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x2f || c === 0x25 || c === 0x7b || c === 0x7d;

  const readLiteral = (): number[] => {
    const bytes: number[] = [];
    let depth = 1;
    index += 1;
    while (index < length) {
      const c = data[index]!;
      if (c === 0x5c) {
        const n = data[index + 1];
        index += 2;
        if (n === undefined) break;
        if (n >= 0x30 && n <= 0x37) {
          let value = n - 0x30;
          for (let k = 0; k < 2 && data[index]! >= 0x30 && data[index]! <= 0x37; k += 1) value = value * 8 + (data[index++]! - 0x30);
          bytes.push(value & 0xff);
        } else if (n === 0x6e) bytes.push(0x0a);
        else if (n === 0x72) bytes.push(0x0d);
        else if (n === 0x74) bytes.push(0x09);
        else if (n === 0x62) bytes.push(0x08);
        else if (n === 0x66) bytes.push(0x0c);
        else if (n === 0x0d || n === 0x0a) {
          if (n === 0x0d && data[index] === 0x0a) index += 1;
        } else bytes.push(n);
        continue;
      }
      if (c === 0x28) depth += 1;
      if (c === 0x29) {
        depth -= 1;
        if (depth === 0) {
          index += 1;
          break;
        }
      }
      bytes.push(c);
      index += 1;
    }
    return bytes;
  };
  const readHex = (): number[] => {
    index += 1;
    let hex = '';
    while (index < length && data[index] !== 0x3e) {
      const c = data[index]!;
      if (!isWhite(c)) hex += String.fromCharCode(c);
      index += 1;
    }
    index += 1;
    if (hex.length % 2 === 1) hex += '0';
    const bytes: number[] = [];
    for (let k = 0; k < hex.length; k += 2) bytes.push(Number.parseInt(hex.slice(k, k + 2), 16) || 0);
    return bytes;
  };

  let array: (number | number[])[] | null = null;
  while (index < length) {
    steps += 1;
    if ((steps & 0xffff) === 0 && deadline.expired()) return false;
    const c = data[index]!;
    if (isWhite(c)) {
      index += 1;
      continue;
    }
    if (c === 0x25) {
      while (index < length && data[index] !== 0x0a && data[index] !== 0x0d) index += 1;
      continue;
    }
    if (c === 0x28) {
      const bytes = readLiteral();
      if (array) array.push(bytes);
      else operands.push(bytes);
      continue;
    }
    if (c === 0x3c && data[index + 1] !== 0x3c) {
      const bytes = readHex();
      if (array) array.push(bytes);
      else operands.push(bytes);
      continue;
    }
    if (c === 0x3c || c === 0x3e) {
      index += 2; // dictionary delimiters of inline images / marked content: ignored
      continue;
    }
    if (c === 0x5b) {
      array = [];
      index += 1;
      continue;
    }
    if (c === 0x5d) {
      operands.push(array);
      array = null;
      index += 1;
      continue;
    }
    if (c === 0x2f) {
      let end = index + 1;
      while (end < length && !isWhite(data[end]!) && !isDelim(data[end]!)) end += 1;
      operands.push(Buffer.from(data.subarray(index + 1, end)).toString('latin1'));
      index = end;
      continue;
    }
    let end = index;
    while (end < length && !isWhite(data[end]!) && !isDelim(data[end]!)) end += 1;
    if (end === index) {
      index += 1;
      continue;
    }
    const token = Buffer.from(data.subarray(index, end)).toString('latin1');
    index = end;
    const number = Number(token);
    if (!Number.isNaN(number) && /^[+-]?(\d|\.)/.test(token)) {
      if (array) array.push(number);
      else operands.push(number);
      continue;
    }
    // An operator.
    let ok = true;
    switch (token) {
      case 'Tf': {
        const name = operands[operands.length - 2];
        if (typeof name === 'string') font = fontOf(name);
        break;
      }
      case 'Tj': {
        const shown = operands[operands.length - 1];
        if (Array.isArray(shown)) ok = push(decodeShown(shown as number[], font));
        break;
      }
      case "'":
      case '"': {
        const shown = operands[operands.length - 1];
        ok = push('\n');
        if (Array.isArray(shown)) ok = push(decodeShown(shown as number[], font));
        break;
      }
      case 'TJ': {
        const items = operands[operands.length - 1];
        if (Array.isArray(items)) {
          let piece = '';
          for (const item of items as (number | number[])[]) {
            if (typeof item === 'number') {
              if (item < -200) piece += ' ';
            } else piece += decodeShown(item, font);
          }
          ok = push(piece);
        }
        break;
      }
      case 'Td':
      case 'TD': {
        const ty = operands[operands.length - 1];
        const tx = operands[operands.length - 2];
        if (typeof ty === 'number' && ty !== 0) ok = push('\n');
        else if (typeof tx === 'number' && tx !== 0) ok = push(' ');
        break;
      }
      case 'T*':
      case 'Tm':
      case 'ET':
        ok = push('\n');
        break;
      case 'BI': {
        // Skip inline image data up to EI.
        const stop = Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf('EI', index);
        index = stop < 0 ? length : stop + 2;
        break;
      }
      default:
        break;
    }
    operands.length = 0;
    if (!ok) return false;
  }
  return true;
}
