// A pivot download holds the invoices of a whole batch in one CPPFacturePivot document. Each invoice
// is cut out into its own document: the root element around a CPPFactures of one
// CPPFacturePivotUnitaire (NumOrdre 1). The download's envelope (production date DtPrd, flow id
// IdFlx) is left out: it describes the download, not the invoice, and would make the stored file
// differ at every download. So every invoice gets one stable pivot file whatever batch it came in
// (the stored state does not depend on batching or retries), and one unreadable invoice does not
// make its neighbours unreadable.

const UNIT_START = /<(?:[\w.-]+:)?CPPFacturePivotUnitaire(?=[\s>/])/g;
const UNIT_END = /<\/(?:[\w.-]+:)?CPPFacturePivotUnitaire\s*>/g;
const ENVELOPE = /<((?:[\w.-]+:)?Enveloppe)(?=[\s>])[\s\S]*?<\/\1\s*>\s*/;
const COUNTER = /(<(?:[\w.-]+:)?CPPFactures\b[^>]*?\bCompteur=")[^"]*(")/;
const NUM_ORDRE = /^(<(?:[\w.-]+:)?CPPFacturePivotUnitaire\b[^>]*?\bNumOrdre=")[^"]*(")/;

/** The per-invoice pivot documents, in document order; [content] when the file cannot be cut. */
export function splitPivot(content: Buffer): Buffer[] {
  // latin1 maps bytes one to one, so cutting the string cuts the bytes exactly (UTF-8 untouched).
  const text = content.toString('latin1');
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(UNIT_START)) starts.push(match.index);
  for (const match of text.matchAll(UNIT_END)) ends.push(match.index + match[0].length);
  if (starts.length === 0 || starts.length !== ends.length) return [content];
  for (let index = 0; index < starts.length; index += 1) {
    if (ends[index]! <= starts[index]! || (index > 0 && starts[index]! < ends[index - 1]!)) return [content];
  }
  const prefix = text.slice(0, starts[0]).replace(ENVELOPE, '').replace(COUNTER, '$11$2');
  const suffix = text.slice(ends[ends.length - 1]);
  return starts.map((start, index) => Buffer.from(`${prefix}${text.slice(start, ends[index]).replace(NUM_ORDRE, '$11$2')}${suffix}`, 'latin1'));
}
