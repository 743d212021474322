// Values as PES V2 wants them: every file is written in ISO-8859-1, as Hélios files are in practice
// (NOTES.md §1), so text is folded to Latin-1, whitespace collapsed (values sit in attributes) and cut
// to the element's length — the accountant rejects a whole bordereau for one over-long field.

const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u20ac': 'EUR',
  '\u0153': 'oe',
  '\u0152': 'OE',
  '\u0178': 'Y',
  '\u2022': '-',
};

/** Folds text to Latin-1: typographic signs to their ASCII form, other letters to their base letter. */
export function toLatin1(value: string): string {
  let result = '';
  for (const char of value.normalize('NFC')) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) result += ' ';
    else if (code <= 0xff) result += char;
    else if (REPLACEMENTS[char] !== undefined) result += REPLACEMENTS[char];
    else if (/\s/u.test(char)) result += ' ';
    else {
      const base = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      result += [...base].every((part) => part.codePointAt(0)! <= 0xff) && base !== '' ? base : '?';
    }
  }
  return result;
}

/** A PES text value: Latin-1, single spaces, trimmed, at most `max` characters; null when empty. */
export function pesText(value: string | null | undefined, max: number): string | null {
  if (value == null) return null;
  const folded = toLatin1(value).replace(/\s+/g, ' ').trim();
  if (folded === '') return null;
  return folded.length <= max ? folded : folded.slice(0, max).trimEnd();
}

export function requiredPesText(value: string | null | undefined, max: number, fallback: string): string {
  return pesText(value, max) ?? fallback;
}

/** Escapes a value for an XML attribute written between double quotes. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : '&quot;'));
}

const EXTENSION_OF_MIME: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/tiff': 'tif',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'application/zip': 'zip',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
};

/**
 * NomPJ: at most 100 characters ending in an extension of 2 to 4 letters or digits (else the PJ is
 * rejected); kept to [A-Za-z0-9._-] as Pastell does before posting to S²low.
 */
export function pesFileName(filename: string, mimeType: string | null): string {
  const cleaned = toLatin1(filename)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '');
  const match = /^(.*)\.([A-Za-z0-9]{2,4})$/.exec(cleaned);
  const extension = match ? match[2]! : (EXTENSION_OF_MIME[mimeType ?? ''] ?? 'bin');
  const stem = (match ? match[1]! : cleaned).replace(/\.+$/, '') || 'piece';
  return `${stem.slice(0, 100 - extension.length - 1)}.${extension}`;
}

/** A MIME type the schema accepts (xs:token) — the stored one, else guessed from the extension. */
export function pesMimeType(mimeType: string | null, filename: string): string {
  if (mimeType && /^[\w.+-]+\/[\w.+-]+$/.test(mimeType.trim())) return mimeType.trim();
  const extension = filename.split('.').pop()?.toLowerCase() ?? '';
  const found = Object.entries(EXTENSION_OF_MIME).find(([, candidate]) => candidate === extension);
  return found ? found[0] : 'application/octet-stream';
}
