// A pivot download holds the invoices of a whole batch in one CPPFactures document. Each invoice is
// cut out into its own document (the root's opening and closing tags around its
// CPPFacturePivotUnitaire), so that every invoice gets its own pivot file whatever batch it came
// in — the stored state does not depend on how downloads were batched — and one unreadable
// invoice does not make its neighbours unreadable.

const UNIT_START = /<(?:[\w.-]+:)?CPPFacturePivotUnitaire[\s>/]/g;
const UNIT_END = /<\/(?:[\w.-]+:)?CPPFacturePivotUnitaire\s*>/g;

/** The per-invoice pivot documents, in document order; [content] when the file cannot be cut. */
export function splitPivot(content: Buffer): Buffer[] {
  // latin1 maps bytes one to one, so cutting the string cuts the bytes exactly (UTF-8 untouched).
  const text = content.toString('latin1');
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(UNIT_START)) starts.push(match.index);
  for (const match of text.matchAll(UNIT_END)) ends.push(match.index + match[0].length);
  if (starts.length <= 1 || starts.length !== ends.length) return [content];
  for (let index = 0; index < starts.length; index += 1) {
    if (ends[index]! <= starts[index]! || (index > 0 && starts[index]! < ends[index - 1]!)) return [content];
  }
  const prefix = text.slice(0, starts[0]);
  const suffix = text.slice(ends[ends.length - 1]);
  return starts.map((start, index) => Buffer.from(`${prefix}${text.slice(start, ends[index])}${suffix}`, 'latin1'));
}
