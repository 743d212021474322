// Public API of the invoice formats: readers, validation, limits. Colleagues import from here.
export { readInvoiceFile, readPivot } from './read.ts';
export { InvoiceFormatError, isInvoiceFormatError } from './errors.ts';
export { DEFAULT_LIMITS, resolveLimits, type Limits } from './limits.ts';
export { DEFAULT_LIMITS as limits } from './limits.ts';
export type { EmbeddedFile, PivotAttachment, PivotDocument, PivotInvoice, PivotStatus, ReadOptions, ReadResult } from './types.ts';
export { invoiceSummary, type InvoiceSummary } from './summary.ts';
export { validateXmlAgainstSchema, detectSchema, schemaPath, type SchemaKind, type SchemaResult } from './xsd.ts';
export { validateInvoice, isHeaderOnlyProfile } from '../domain/validation/index.ts';
export type { Finding, Severity, ValidationOptions } from '../domain/validation/index.ts';
