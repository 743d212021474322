// What a document writer needs about one invoice: the invoice and the parties it names.
import type { SimInvoice, SimService, SimStructure, SimSupplier } from '../model.ts';

export type InvoiceContext = {
  invoice: SimInvoice;
  supplier: SimSupplier;
  structure: SimStructure;
  service: SimService | null;
};

/** "20260315" for CII's format 102. */
export function ciiDate(iso: string): string {
  return iso.replace(/-/g, '');
}

export function siren(siret: string): string {
  return siret.slice(0, 9);
}

export function isCreditNote(context: InvoiceContext): boolean {
  return context.invoice.typeFacture === 'AVOIR';
}
