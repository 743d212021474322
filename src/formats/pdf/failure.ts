// What went wrong with a PDF, in the terms of the PDF format, for the operator. The readers below
// (pdf-lib, our own cross-reference walker) fail with their own messages — "Cannot read properties
// of undefined (reading 'get')", "Expected instance of PDFDict…", "offset is out of bounds" — that
// say nothing to someone holding a supplier's file, so none of their text is ever shown: each
// failure is mapped to what is wrong in the file.

/** JavaScript's own error classes: their text describes our code, never the file. */
const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']);

export const NO_TRAILER = 'is malformed: no cross-reference table or trailer could be read, so its document catalog cannot be found';

/** The rule broken, to complete "the PDF …" in an InvoiceFormatError. */
export function describePdfFailure(error: unknown): string {
  const name = (error as Error | null)?.constructor?.name ?? (error as Error | null)?.name ?? '';
  const message = String((error as Error | null)?.message ?? error ?? '');
  const offset = /offset=(\d+)/.exec(message)?.[1];
  const at = offset ? ` near byte ${offset}` : '';
  if (name === 'MissingPDFHeaderError' || /No PDF header found/.test(message)) return 'has no PDF header (%PDF-): it is not a PDF document';
  if (/encrypt/i.test(message)) return 'is encrypted and cannot be read';
  if (name === 'MissingCatalogError' || /Missing catalog/.test(message)) return 'has no document catalog (the trailer names no /Root)';
  if (name === 'UnbalancedParenthesisError' || /unbalanced parenthesis/.test(message)) return `is malformed${at}: a text string is not closed (unbalanced parenthesis)`;
  if (name === 'PDFStreamParsingError' || /parse PDF stream/.test(message)) return `is malformed${at}: a stream has no end (endstream missing, the file may be truncated)`;
  if (name === 'MissingKeywordError' || /expected keyword/.test(message)) return `is malformed${at}: a keyword of the PDF syntax is missing (the file may be truncated)`;
  if (name === 'StalledParserError' || /Parser stalled/.test(message)) return `is malformed${at}: its objects cannot be read one after the other`;
  if (name === 'CorruptPageTreeError' || /corrupt page tree/.test(message)) return 'is malformed: its page tree is damaged (invalid /Count entries)';
  if (/Failed to parse|PDFParsingError|NumberParsingError|ObjectParsingError/.test(`${name} ${message}`)) return `is malformed${at}: an object cannot be read (the file is damaged or truncated)`;
  if (name === 'RangeError') return 'is malformed: it refers to data beyond the end of the file (truncated or damaged file)';
  if (ENGINE_ERRORS.has(name) || /Expected instance of/.test(message)) return NO_TRAILER;
  return 'is malformed and cannot be read';
}

/** A worker thread that died: out of memory is the only cause the file itself can be blamed for. */
export function describeReaderCrash(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(String((error as Error | null)?.message))) {
    return 'could not be read: reading it needs more memory than the PDF reader is allowed';
  }
  return 'could not be read: the PDF reader stopped unexpectedly';
}
