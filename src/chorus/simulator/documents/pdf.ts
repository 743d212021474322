// Real PDFs drawn with pdf-lib: the human-readable rendering of an invoice (what a PDF-only
// supplier deposits, the visual part of a Factur-X, what Chorus's PDF download shows for UBL/CII),
// and small supporting documents. Metadata dates are fixed so the same invoice gives the same bytes.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { Decimal } from '../../../domain/money.ts';
import type { SimAttachment } from '../model.ts';
import { isCreditNote, type InvoiceContext } from './context.ts';

/** Helvetica is WinAnsi-encoded: keep Latin-1 and the few WinAnsi extras, replace the rest. */
export function winAnsi(text: string): string {
  const extras = new Set(['€', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 'Ž', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 'ž', 'Ÿ']);
  return [...text.replace(/[\u00a0\u202f]/g, ' ')].map((char) => (char.charCodeAt(0) < 256 || extras.has(char) ? char : '?')).join('');
}

function euros(value: string): string {
  return `${Decimal.parse(value).toFrench(2).replace(/\u202f/g, ' ')} EUR`;
}

export function frenchDate(iso: string): string {
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
}

export async function newPdf(title: string, date: string): Promise<PDFDocument> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const instant = new Date(`${date}T09:00:00Z`);
  doc.setTitle(winAnsi(title));
  doc.setCreator('Liasse — simulateur Chorus Pro');
  doc.setProducer('pdf-lib');
  doc.setCreationDate(instant);
  doc.setModificationDate(instant);
  doc.setLanguage('fr-FR');
  return doc;
}

type Writer = { page: PDFPage; y: number; font: PDFFont; bold: PDFFont; doc: PDFDocument };

function text(writer: Writer, value: string, x: number, options: { size?: number; bold?: boolean } = {}): void {
  const size = options.size ?? 10;
  writer.page.drawText(winAnsi(value), { x, y: writer.y, size, font: options.bold ? writer.bold : writer.font, color: rgb(0.1, 0.1, 0.1) });
}

function newline(writer: Writer, height = 14): void {
  writer.y -= height;
  if (writer.y < 60) {
    writer.page = writer.doc.addPage([595.28, 841.89]);
    writer.y = 790;
  }
}

/** Draws the invoice; returns the document so a caller can attach files before saving. */
export async function renderInvoicePdf(context: InvoiceContext): Promise<PDFDocument> {
  const { invoice, supplier, structure, service } = context;
  const credit = isCreditNote(context);
  const title = `${credit ? 'Avoir' : 'Facture'} ${invoice.numeroFacture}`;
  const doc = await newPdf(title, invoice.dateFacture);
  const writer: Writer = {
    doc,
    page: doc.addPage([595.28, 841.89]),
    y: 790,
    font: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
  };
  text(writer, supplier.name, 50, { size: 14, bold: true });
  newline(writer);
  text(writer, `${supplier.address.line1}, ${supplier.address.postCode} ${supplier.address.city}`, 50);
  newline(writer);
  text(writer, `SIRET ${supplier.siret} — TVA ${supplier.vatId}`, 50);
  newline(writer, 28);
  text(writer, credit ? 'AVOIR' : 'FACTURE', 50, { size: 18, bold: true });
  text(writer, `N° ${invoice.numeroFacture}`, 300, { size: 12, bold: true });
  newline(writer, 20);
  text(writer, `Date : ${frenchDate(invoice.dateFacture)}`, 50);
  text(writer, `Échéance : ${frenchDate(invoice.dateEcheance)}`, 300);
  newline(writer, 24);
  text(writer, 'Destinataire', 50, { bold: true });
  newline(writer);
  text(writer, structure.name, 50);
  newline(writer);
  text(writer, `SIRET ${structure.siret}`, 50);
  newline(writer);
  text(writer, `${structure.address.line1}, ${structure.address.postCode} ${structure.address.city}`, 50);
  newline(writer);
  if (service) {
    text(writer, `Code service : ${service.codeService}`, 50);
    newline(writer);
  }
  if (invoice.numeroBonCommande) {
    text(writer, `Engagement / bon de commande : ${invoice.numeroBonCommande}`, 50);
    newline(writer);
  }
  if (invoice.numeroMarche) {
    text(writer, `Marché : ${invoice.numeroMarche}`, 50);
    newline(writer);
  }
  if (invoice.numeroFactureOrigine) {
    text(writer, `Facture d'origine : ${invoice.numeroFactureOrigine}`, 50);
    newline(writer);
  }
  newline(writer, 10);
  text(writer, 'Désignation', 50, { bold: true });
  text(writer, 'Qté', 300, { bold: true });
  text(writer, 'PU HT', 350, { bold: true });
  text(writer, 'TVA', 430, { bold: true });
  text(writer, 'Montant HT', 480, { bold: true });
  newline(writer);
  for (const line of invoice.lines) {
    text(writer, line.name.slice(0, 48), 50, { size: 9 });
    text(writer, line.quantity, 300, { size: 9 });
    text(writer, line.unitPrice, 350, { size: 9 });
    text(writer, `${line.vatRate} %`, 430, { size: 9 });
    text(writer, line.netAmount, 480, { size: 9 });
    newline(writer);
  }
  newline(writer, 10);
  for (const vat of invoice.vat) {
    text(writer, `TVA ${vat.rate} % sur ${euros(vat.base)} : ${euros(vat.amount)}${vat.exemptionReason ? ` (${vat.exemptionReason})` : ''}`, 50, { size: 9 });
    newline(writer);
  }
  newline(writer, 6);
  text(writer, `Total HT : ${euros(invoice.totals.ht)}`, 330, { bold: true });
  newline(writer);
  text(writer, `Total TVA : ${euros(invoice.totals.tva)}`, 330, { bold: true });
  newline(writer);
  text(writer, `Total TTC : ${euros(invoice.totals.ttc)}`, 330, { bold: true });
  newline(writer);
  text(writer, `Net à payer : ${euros(invoice.totals.apayer)}`, 330, { bold: true });
  newline(writer, 28);
  text(writer, `Règlement par virement — IBAN ${invoice.iban} — BIC ${supplier.bic} (${supplier.bankName})`, 50, { size: 9 });
  newline(writer);
  text(writer, 'Paiement à 30 jours. Pénalités de retard : taux BCE + 10 points. Indemnité forfaitaire de recouvrement : 40 EUR.', 50, { size: 8 });
  return doc;
}

export async function savePdf(doc: PDFDocument): Promise<Buffer> {
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** The content of a supporting document (type 02). */
export async function renderAttachment(context: InvoiceContext, attachment: SimAttachment): Promise<Buffer> {
  const { invoice, supplier, structure } = context;
  if (attachment.mimeType === 'text/csv') {
    const rows = ['ligne;designation;quantite;prix_unitaire_ht;montant_ht', ...invoice.lines.map((l) => `${l.id};${l.name.replace(/;/g, ',')};${l.quantity};${l.unitPrice};${l.netAmount}`)];
    return Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf8');
  }
  const doc = await newPdf(attachment.description, invoice.dateFacture);
  const writer: Writer = {
    doc,
    page: doc.addPage([595.28, 841.89]),
    y: 790,
    font: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
  };
  text(writer, attachment.description, 50, { size: 16, bold: true });
  newline(writer, 24);
  text(writer, `${supplier.name} — pour ${structure.name}`, 50);
  newline(writer);
  text(writer, `Se rapporte à la facture ${invoice.numeroFacture} du ${frenchDate(invoice.dateFacture)}`, 50);
  newline(writer, 20);
  for (const line of invoice.lines) {
    text(writer, `${line.quantity} × ${line.name}`, 60, { size: 9 });
    newline(writer);
  }
  newline(writer, 20);
  text(writer, attachment.kind === 'proces-verbal' ? 'Réception prononcée sans réserve.' : 'Livré et vérifié.', 50);
  return savePdf(doc);
}
