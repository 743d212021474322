// One normalisation for indexing and querying, done here rather than in SQL so that SQLite FTS5 and
// PostgreSQL's tsvector see exactly the same words and therefore return exactly the same invoices:
// lower case, accents and ligatures folded to ASCII, every other character a word separator.

/** Longest word kept: longer runs are noise (hashes, base64) and PostgreSQL caps lexemes anyway. */
const MAX_WORD = 64;
/** The indexed text is capped so a huge PDF text stays within tsvector's 1 MB limit. */
export const MAX_DOCUMENT_CHARS = 200_000;

const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', đ: 'd', ł: 'l', þ: 'th' };

/** Folds a text to lower-case ASCII letters and digits separated by single spaces. */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[œæßøđłþ]/g, (char) => LIGATURES[char] ?? ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The words of a text as the index stores them. */
export function searchWords(text: string): string[] {
  const folded = foldText(text);
  if (folded === '') return [];
  return folded.split(' ').filter((word) => word.length <= MAX_WORD);
}

/** Builds the indexed document from the searchable parts of an invoice. */
export function buildDocument(parts: (string | null | undefined)[]): string {
  const words: string[] = [];
  let length = 0;
  for (const part of parts) {
    if (!part) continue;
    for (const word of searchWords(part)) {
      if (length + word.length + 1 > MAX_DOCUMENT_CHARS) return words.join(' ');
      words.push(word);
      length += word.length + 1;
    }
  }
  return words.join(' ');
}

/** Query words: all must be found, the last one as the beginning of a word (see fts5Query). At most 12. */
export function queryWords(text: string): string[] {
  return [...new Set(searchWords(text))].slice(0, 12);
}

/**
 * FTS5 MATCH expression: all words required, the last one as a prefix (search as you type). Earlier
 * words are whole words: a prefix on a short word ("fa", "2024") would read a posting list as long
 * as the whole index.
 */
export function fts5Query(words: string[]): string {
  return words.map((word, index) => (index === words.length - 1 ? `"${word}"*` : `"${word}"`)).join(' ');
}

/** PostgreSQL to_tsquery expression with the same meaning. */
export function tsQuery(words: string[]): string {
  return words.map((word, index) => (index === words.length - 1 ? `${word}:*` : word)).join(' & ');
}

/** Sort key of a supplier name: folded text, so "Électricité" sorts with "electricite". */
export function sortKey(text: string | null | undefined): string {
  return foldText(text ?? '');
}
