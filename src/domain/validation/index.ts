export { validateInvoice, isHeaderOnlyProfile } from './en16931.ts';
export type { Finding, Severity, ValidationOptions } from './types.ts';
