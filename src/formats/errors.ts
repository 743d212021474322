// The one error every reader throws for a file it cannot read. Its message is a single sentence
// naming the file, the element or field at fault and the rule broken, so that an operator can act
// on it without a stack trace (the CLI prints it as is).

export class InvoiceFormatError extends Error {
  readonly file: string;
  readonly field: string;
  readonly rule: string;

  constructor(file: string, field: string, rule: string, options?: { cause?: unknown }) {
    // One sentence: messages quoted from libraries (yauzl, saxes, pdf-lib) lose their inner stops.
    const sentence = `${field} ${rule}`.replace(/\s+/g, ' ').replace(/\.(\)?)\s+(?=\S)/g, '$1; ').replace(/[.\s]+$/, '');
    super(`${file}: ${sentence}.`, options);
    this.name = 'InvoiceFormatError';
    this.file = file;
    this.field = field;
    this.rule = rule;
  }
}

export function isInvoiceFormatError(error: unknown): error is InvoiceFormatError {
  return error instanceof InvoiceFormatError;
}
