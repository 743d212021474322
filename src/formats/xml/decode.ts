// Bytes to text for XML: byte-order marks (UTF-8 and UTF-16 are both seen in the wild, the UTF-8
// one in 4 of 50 public Factur-X files) and the encoding named in the XML declaration.

const UTF8 = new TextDecoder('utf-8');

export function decodeXml(bytes: Uint8Array): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return UTF8.decode(bytes.subarray(3));
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const encoding = declaredEncoding(bytes);
  if (encoding && encoding !== 'utf-8' && encoding !== 'utf8') {
    try {
      return stripDeclaredBom(new TextDecoder(encoding).decode(bytes));
    } catch {
      // An unknown label: fall back to UTF-8, the XML default.
    }
  }
  return stripDeclaredBom(UTF8.decode(bytes));
}

/**
 * The decoder for an XML document's bytes and where its text starts (after the BOM), so that a
 * large document is decoded chunk by chunk (stream: true) and never held whole as a string.
 */
export function xmlDecoder(bytes: Uint8Array): { decoder: TextDecoder; start: number } {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { decoder: new TextDecoder('utf-8'), start: 3 };
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { decoder: new TextDecoder('utf-16le'), start: 2 };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { decoder: new TextDecoder('utf-16be'), start: 2 };
  const encoding = declaredEncoding(bytes);
  if (encoding && encoding !== 'utf-8' && encoding !== 'utf8') {
    try {
      return { decoder: new TextDecoder(encoding), start: 0 };
    } catch {
      // An unknown label: fall back to UTF-8, the XML default.
    }
  }
  return { decoder: new TextDecoder('utf-8'), start: 0 };
}

function stripDeclaredBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function declaredEncoding(bytes: Uint8Array): string | null {
  if (bytes[0] !== 0x3c || bytes[1] !== 0x3f) return null; // "<?"
  const head = String.fromCharCode(...bytes.subarray(0, Math.min(bytes.length, 200)));
  const end = head.indexOf('?>');
  if (end < 0) return null;
  const match = /encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.slice(0, end));
  return match?.[1]?.toLowerCase() ?? null;
}

/** True when the bytes look like XML (after an optional BOM and whitespace). */
export function looksLikeXml(bytes: Uint8Array): boolean {
  let index = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) index = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  while (index < bytes.length && index < 4096 && (bytes[index] === 0x20 || bytes[index] === 0x0a || bytes[index] === 0x0d || bytes[index] === 0x09)) index += 1;
  return bytes[index] === 0x3c;
}
