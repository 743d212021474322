// The JSON shape of `liasse parse --json` (one object per file): the contract operators and tests
// rely on. Amounts stay decimal strings; absent terms are null.
import type { Invoice, Party } from '../domain/invoice.ts';

export type PartySummary = {
  name: string | null;
  identifiers: { id: string; scheme: string | null }[];
  legalId: string | null;
  vatId: string | null;
  siret: string | null;
};

export type InvoiceSummary = {
  format: Invoice['format'];
  profile: string | null;
  documentType: Invoice['documentType'];
  typeCode: string | null;
  number: string | null;
  issueDate: string | null;
  dueDate: string | null;
  currency: string | null;
  buyerReference: string | null;
  orderReference: string | null;
  contractReference: string | null;
  precedingInvoices: string[];
  seller: PartySummary;
  buyer: PartySummary;
  payment: { meansCode: string | null; iban: string | null; bic: string | null };
  totals: Invoice['totals'];
  vatBreakdown: { category: string | null; rate: string | null; taxableAmount: string | null; taxAmount: string | null; exemptionReason: string | null }[];
  lines: { id: string | null; name: string | null; quantity: string | null; unitCode: string | null; netPrice: string | null; netAmount: string | null; vatCategory: string | null; vatRate: string | null }[];
  attachments: { filename: string; mimeType: string | null; size: number; sha256: string }[];
};

function party(value: Party): PartySummary {
  return {
    name: value.name,
    identifiers: value.identifiers.map((identifier) => ({ id: identifier.id, scheme: identifier.scheme })),
    legalId: value.legalId,
    vatId: value.vatId,
    siret: value.siret,
  };
}

export function invoiceSummary(invoice: Invoice): InvoiceSummary {
  return {
    format: invoice.format,
    profile: invoice.profile,
    documentType: invoice.documentType,
    typeCode: invoice.typeCode,
    number: invoice.number,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    buyerReference: invoice.buyerReference,
    orderReference: invoice.orderReference,
    contractReference: invoice.contractReference,
    precedingInvoices: invoice.precedingInvoices,
    seller: party(invoice.seller),
    buyer: party(invoice.buyer),
    payment: { meansCode: invoice.payment.meansCode, iban: invoice.payment.iban, bic: invoice.payment.bic },
    totals: { ...invoice.totals },
    vatBreakdown: invoice.vatBreakdown.map((row) => ({
      category: row.category,
      rate: row.rate,
      taxableAmount: row.taxableAmount,
      taxAmount: row.taxAmount,
      exemptionReason: row.exemptionReason,
    })),
    lines: invoice.lines.map((line) => ({
      id: line.id,
      name: line.name,
      quantity: line.quantity,
      unitCode: line.unitCode,
      netPrice: line.netPrice,
      netAmount: line.netAmount,
      vatCategory: line.vatCategory,
      vatRate: line.vatRate,
    })),
    attachments: invoice.attachments.map((attachment) => ({
      filename: attachment.filename,
      mimeType: attachment.mimeType,
      size: attachment.size,
      sha256: attachment.sha256,
    })),
  };
}
