// Reading one downloaded invoice: its pivot unit, then its original file with the format readers,
// then the EN 16931 rules on what the original says. Pure (no I/O but the readers' own worker), so
// that it runs as well in the sync's reader threads (read-pool.ts) as in the calling thread.
import type { Invoice } from '../../domain/invoice.ts';
import { readInvoiceFile, readPivot, validateInvoice } from '../../formats/index.ts';
import type { EmbeddedFile, PivotInvoice } from '../../formats/index.ts';

export type ReadInput = {
  idFacture: number;
  /** Chorus' typeFacture from the search ("AVOIR" for a credit note). */
  typeFacture?: string | null;
  pivot: Uint8Array;
};

export type ReadOutcome = {
  model: Invoice | null;
  original: EmbeddedFile | null;
  attachments: EmbeddedFile[];
  /** The original is not a PDF (XML only, or absent): Chorus' PDF rendition is downloaded too. */
  needsPdf: boolean;
  quarantine: string | null;
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The fatal EN 16931 findings of a structured invoice, as a quarantine reason (null when none). */
export function invalidityReason(model: Invoice): string | null {
  if (model.withoutMetadata || model.format === 'PDF' || model.format === 'PIVOT') return null;
  const fatal = validateInvoice(model).filter((finding) => finding.severity === 'fatal' && !finding.rule.startsWith('LIASSE-'));
  if (fatal.length === 0) return null;
  const rules = [...new Set(fatal.map((finding) => finding.rule))];
  const details = fatal
    .slice(0, 3)
    .map((finding) => `${finding.rule} : ${finding.messageFr}`)
    .join(' ; ');
  return `Facture non conforme à la norme EN 16931 (${rules.join(', ')}) — ${details}${fatal.length > 3 ? ` ; et ${fatal.length - 3} autre(s)` : ''}`;
}

/**
 * A PDF-only deposit has no structured data of its own: what Chorus knows of it fills the gaps the
 * matching needs — the document type (typeFacture AVOIR → credit note) and the supplier's bank
 * account from the pivot (Fournisseur/ReferenceBancaire).
 */
function completeFromChorus(model: Invoice, unit: PivotInvoice, typeFacture: string | null | undefined): Invoice {
  if (!model.withoutMetadata) return model;
  const pivot = unit.invoice;
  const creditNote = typeFacture === 'AVOIR' || (typeFacture == null && pivot.documentType === 'creditNote');
  return {
    ...model,
    documentType: creditNote ? 'creditNote' : model.documentType,
    typeCode: model.typeCode ?? pivot.typeCode,
    payment: {
      ...model.payment,
      iban: model.payment.iban ?? pivot.payment.iban,
      accountName: model.payment.accountName ?? pivot.payment.accountName,
    },
  };
}

/** Reads one invoice's pivot and original: the model, the files, and a quarantine reason if any. */
export async function readDownloadedInvoice(input: ReadInput): Promise<ReadOutcome> {
  let unit: PivotInvoice | undefined;
  try {
    const document = await readPivot(input.pivot, `${input.idFacture}-pivot.xml`, { limits: { maxBytes: 130 * 1024 * 1024 } });
    unit = document.invoices[0];
    if (!unit) throw new Error('le pivot ne contient aucune facture');
  } catch (error) {
    return { model: null, original: null, attachments: [], needsPdf: false, quarantine: `Pivot illisible : ${errorMessage(error)}` };
  }
  const original = unit.attachments.find((attachment) => attachment.chorusType === '01') ?? null;
  const attachments: EmbeddedFile[] = unit.attachments.filter((attachment) => attachment !== original);
  let model: Invoice = unit.invoice;
  let quarantine: string | null = null;
  if (original) {
    try {
      const read = await readInvoiceFile(original.content, original.filename);
      model = completeFromChorus(read.invoice, unit, input.typeFacture);
      for (const file of read.files) attachments.push(file);
      quarantine = invalidityReason(model);
    } catch (error) {
      quarantine = `Facture d'origine illisible (${original.filename}) : ${errorMessage(error)}`;
    }
  }
  const originalIsPdf = original !== null && (/\.pdf$/i.test(original.filename) || /pdf/i.test(original.mimeType ?? ''));
  return { model, original, attachments, needsPdf: !originalIsPdf, quarantine };
}
