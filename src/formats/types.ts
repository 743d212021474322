import type { Invoice } from '../domain/invoice.ts';
import type { Limits } from './limits.ts';

/** A file carried with the invoice: BG-24 binary, PDF attachment, or Chorus pivot PJ. */
export type EmbeddedFile = {
  filename: string;
  mimeType: string | null;
  content: Uint8Array;
  /** Chorus pivot PJ type: "01" the original invoice, "02" a complementary attachment; null elsewhere. */
  chorusType: '01' | '02' | null;
  description: string | null;
};

export type ReadOptions = {
  limits?: Partial<Limits>;
  /** Extract the PDF's text into invoice.text. Default: only for PDF-only invoices. */
  extractText?: boolean;
};

export type ReadResult = { invoice: Invoice; files: EmbeddedFile[] };

export type PivotStatus = { date: string | null; code: string | null; complement: string | null; comment: string | null };

export type PivotAttachment = EmbeddedFile & {
  /** IdUnique (V2) / IdOriginal: the PJ identifiers in Chorus Pro. */
  uniqueId: string | null;
  originalId: string | null;
  category: string | null;
  /** The PJ's own file name when its content was a ZIP expanded into this file. */
  archiveName: string | null;
};

export type PivotInvoice = {
  /** NumOrdre of the CPPFacturePivotUnitaire. */
  order: number | null;
  /** Pivot-level data mapped to the model (format "PIVOT"). */
  invoice: Invoice;
  /** Chorus-only data of the pivot that has no EN 16931 term. */
  chorus: {
    supplierIdType: string | null;
    debtorIdType: string | null;
    serviceName: string | null;
    frame: string | null; // Cadre (A1…A25)
    receptionDate: string | null;
    deliveryDate: string | null;
    originalInvoiceId: string | null; // IdFactureOrigine
    chorusId: string | null; // IdCPRO (V2)
    resent: string | null; // Renvoi (V2)
    emissionMode: string | null; // ModeEmission
    bankName: string | null;
    statuses: PivotStatus[];
  };
  attachments: PivotAttachment[];
};

export type PivotDocument = {
  /** The Version attribute (V2_02) when given; null for V1 files, which carry none. */
  version: string | null;
  flowId: string | null;
  productionDate: string | null;
  invoices: PivotInvoice[];
};
