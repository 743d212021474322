// Supplier deposits through /_sim/deposit: reads the routing and amounts out of a UBL, CII or
// Factur-X file (or takes them from the "portal form" fields for a PDF-only deposit), the way
// Chorus builds its pivot from what the supplier sent.
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, PDFHexString, decodePDFRawStream } from 'pdf-lib';
import { SaxesParser } from 'saxes';
import { Decimal } from '../../domain/money.ts';
import type { InvoiceForm, SimLine } from './model.ts';
import { computeAmounts } from './seed.ts';

export type DepositMetadata = {
  numeroFacture?: string;
  dateFacture?: string;
  typeFacture?: 'FACTURE' | 'AVOIR';
  supplierSiret?: string;
  supplierName?: string;
  structureSiret?: string;
  serviceCode?: string | null;
  numeroBonCommande?: string | null;
  numeroMarche?: string | null;
  numeroFactureOrigine?: string | null;
  iban?: string | null;
  montantHT?: string;
  montantTVA?: string;
  montantTTC?: string;
  /** VAT rate (percent) of a PDF-only deposit's single summary line (default 20). */
  tauxTva?: string;
};

export type ParsedDeposit = {
  form: InvoiceForm;
  metadata: DepositMetadata;
  lines: SimLine[];
};

type Element = { path: string[]; attributes: Record<string, string>; text: string };

function collect(xml: string): Element[] {
  const parser = new SaxesParser({ xmlns: false });
  const stack: Element[] = [];
  const out: Element[] = [];
  parser.on('opentag', (tag) => {
    const local = tag.name.includes(':') ? (tag.name.split(':')[1] as string) : tag.name;
    const parentPath = stack.length > 0 ? (stack[stack.length - 1] as Element).path : [];
    stack.push({ path: [...parentPath, local], attributes: tag.attributes as Record<string, string>, text: '' });
  });
  parser.on('text', (text) => {
    if (stack.length > 0) (stack[stack.length - 1] as Element).text += text;
  });
  parser.on('closetag', () => {
    const element = stack.pop() as Element;
    element.text = element.text.trim();
    out.push(element);
  });
  parser.write(xml.replace(/^\ufeff/, '')).close();
  return out;
}

function finder(elements: Element[]) {
  const endsWith = (element: Element, suffix: string[]) =>
    element.path.length >= suffix.length && suffix.every((part, index) => element.path[element.path.length - suffix.length + index] === part);
  return {
    first(...suffix: string[]): Element | undefined {
      return elements.find((element) => endsWith(element, suffix));
    },
    text(...suffix: string[]): string | undefined {
      return elements.find((element) => endsWith(element, suffix))?.text || undefined;
    },
    all(...suffix: string[]): Element[] {
      return elements.filter((element) => endsWith(element, suffix));
    },
  };
}

function ubl(xml: string): ParsedDeposit {
  const elements = collect(xml);
  const f = finder(elements);
  const root = elements[elements.length - 1]?.path[0];
  const credit = root === 'CreditNote';
  const lines: SimLine[] = [];
  const lineElements = elements.filter((e) => e.path.length === 2 && (e.path[1] === 'InvoiceLine' || e.path[1] === 'CreditNoteLine'));
  const lineNodes = elements.filter((e) => e.path.length >= 3 && (e.path[1] === 'InvoiceLine' || e.path[1] === 'CreditNoteLine'));
  let cursor = 0;
  for (const [index] of lineElements.entries()) {
    // Elements close before their parent: the children of line n precede line n's close.
    const children: Element[] = [];
    while (cursor < lineNodes.length && elements.indexOf(lineNodes[cursor] as Element) < elements.indexOf(lineElements[index] as Element)) {
      children.push(lineNodes[cursor] as Element);
      cursor += 1;
    }
    const c = finder(children);
    lines.push({
      id: c.text('InvoiceLine', 'ID') ?? c.text('CreditNoteLine', 'ID') ?? String(index + 1),
      reference: c.text('SellersItemIdentification', 'ID') ?? '',
      name: c.text('Item', 'Name') ?? 'Ligne',
      quantity: c.text('InvoicedQuantity') ?? c.text('CreditedQuantity') ?? '1',
      unitCode: (c.first('InvoicedQuantity') ?? c.first('CreditedQuantity'))?.attributes.unitCode ?? 'C62',
      unitPrice: c.text('Price', 'PriceAmount') ?? '0',
      netAmount: c.text('LineExtensionAmount') ?? '0',
      vatRate: c.text('ClassifiedTaxCategory', 'Percent') ?? '0',
      vatCategory: c.text('ClassifiedTaxCategory', 'ID') ?? 'S',
    });
  }
  return {
    form: 'UBL',
    lines,
    metadata: {
      numeroFacture: f.text(root ?? 'Invoice', 'ID'),
      dateFacture: f.text(root ?? 'Invoice', 'IssueDate'),
      typeFacture: credit || f.text('InvoiceTypeCode') === '381' ? 'AVOIR' : 'FACTURE',
      supplierSiret: f.text('AccountingSupplierParty', 'Party', 'PartyIdentification', 'ID'),
      supplierName: f.text('AccountingSupplierParty', 'Party', 'PartyLegalEntity', 'RegistrationName') ?? f.text('AccountingSupplierParty', 'Party', 'PartyName', 'Name'),
      structureSiret: f.text('AccountingCustomerParty', 'Party', 'PartyIdentification', 'ID'),
      serviceCode: f.text(root ?? 'Invoice', 'BuyerReference') ?? null,
      numeroBonCommande: f.text('OrderReference', 'ID') ?? null,
      numeroMarche: f.text('ContractDocumentReference', 'ID') ?? null,
      numeroFactureOrigine: f.text('BillingReference', 'InvoiceDocumentReference', 'ID') ?? null,
      iban: f.text('PayeeFinancialAccount', 'ID') ?? null,
      montantHT: f.text('LegalMonetaryTotal', 'TaxExclusiveAmount'),
      montantTTC: f.text('LegalMonetaryTotal', 'TaxInclusiveAmount'),
    },
  };
}

function cii(xml: string): ParsedDeposit {
  const elements = collect(xml);
  const f = finder(elements);
  const lineRoots = elements.filter((e) => e.path[e.path.length - 1] === 'IncludedSupplyChainTradeLineItem');
  const lines: SimLine[] = [];
  let start = 0;
  for (const [index, lineRoot] of lineRoots.entries()) {
    const end = elements.indexOf(lineRoot);
    const c = finder(elements.slice(start, end));
    start = end + 1;
    lines.push({
      id: c.text('AssociatedDocumentLineDocument', 'LineID') ?? String(index + 1),
      reference: c.text('SpecifiedTradeProduct', 'SellerAssignedID') ?? '',
      name: c.text('SpecifiedTradeProduct', 'Name') ?? 'Ligne',
      quantity: c.text('BilledQuantity') ?? '1',
      unitCode: c.first('BilledQuantity')?.attributes.unitCode ?? 'C62',
      unitPrice: c.text('NetPriceProductTradePrice', 'ChargeAmount') ?? '0',
      netAmount: c.text('SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount') ?? '0',
      vatRate: c.text('SpecifiedLineTradeSettlement', 'ApplicableTradeTax', 'RateApplicablePercent') ?? '0',
      vatCategory: c.text('SpecifiedLineTradeSettlement', 'ApplicableTradeTax', 'CategoryCode') ?? 'S',
    });
  }
  const sellerId = f.all('SellerTradeParty', 'GlobalID').find((e) => e.attributes.schemeID === '0009')?.text ?? f.text('SellerTradeParty', 'ID');
  const buyerId = f.all('BuyerTradeParty', 'GlobalID').find((e) => e.attributes.schemeID === '0009')?.text ?? f.text('BuyerTradeParty', 'ID');
  return {
    form: 'CII',
    lines,
    metadata: {
      numeroFacture: f.text('ExchangedDocument', 'ID'),
      dateFacture: (f.text('ExchangedDocument', 'IssueDateTime', 'DateTimeString') ?? '').replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3') || undefined,
      typeFacture: f.text('ExchangedDocument', 'TypeCode') === '381' ? 'AVOIR' : 'FACTURE',
      supplierSiret: sellerId,
      supplierName: f.text('SellerTradeParty', 'Name'),
      structureSiret: buyerId,
      serviceCode: f.text('ApplicableHeaderTradeAgreement', 'BuyerReference') ?? null,
      numeroBonCommande: f.text('BuyerOrderReferencedDocument', 'IssuerAssignedID') ?? null,
      numeroMarche: f.text('ContractReferencedDocument', 'IssuerAssignedID') ?? null,
      numeroFactureOrigine: f.text('InvoiceReferencedDocument', 'IssuerAssignedID') ?? null,
      iban: f.text('PayeePartyCreditorFinancialAccount', 'IBANID') ?? null,
      montantHT: f.text('SpecifiedTradeSettlementHeaderMonetarySummation', 'TaxBasisTotalAmount'),
      montantTTC: f.text('SpecifiedTradeSettlementHeaderMonetarySummation', 'GrandTotalAmount'),
    },
  };
}

const INVOICE_XML_NAMES = ['factur-x.xml', 'zugferd-invoice.xml', 'xrechnung.xml'];

/** The embedded invoice XML of a Factur-X / ZUGFeRD PDF, or null for a plain PDF. */
export async function embeddedInvoiceXml(pdf: Buffer): Promise<string | null> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(new Uint8Array(pdf), { updateMetadata: false, throwOnInvalidObject: false });
  } catch {
    // A PDF pdf-lib cannot read (a scan from an odd producer): no structured data to find.
    return null;
  }
  const names = doc.catalog?.lookupMaybe(PDFName.of('Names'), PDFDict);
  const embedded = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const list = embedded?.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (!list) return null;
  for (let index = 0; index + 1 < list.size(); index += 2) {
    const nameObject = list.lookup(index);
    const name = nameObject instanceof PDFString || nameObject instanceof PDFHexString ? nameObject.decodeText() : '';
    if (!INVOICE_XML_NAMES.includes(name.toLowerCase())) continue;
    const spec = list.lookup(index + 1, PDFDict);
    const stream = spec.lookupMaybe(PDFName.of('EF'), PDFDict)?.lookup(PDFName.of('F'));
    if (!(stream instanceof PDFRawStream)) continue;
    return Buffer.from(decodePDFRawStream(stream).decode()).toString('utf8');
  }
  return null;
}

export class DepositError extends Error {}

/** Reads a deposited file; `metadata` (portal form) fills or overrides what the file lacks. */
export async function parseDeposit(content: Buffer, metadata: DepositMetadata): Promise<ParsedDeposit> {
  const head = content.subarray(0, 1024).toString('utf8').replace(/^\ufeff/, '').trimStart();
  let parsed: ParsedDeposit;
  try {
    if (head.startsWith('%PDF-')) {
      const xml = await embeddedInvoiceXml(content);
      if (xml) parsed = { ...cii(xml), form: 'FACTURX' };
      else parsed = { form: 'PDF', lines: [], metadata: {} };
    } else if (head.startsWith('<')) {
      parsed = /<(\w+:)?CrossIndustryInvoice[\s>]/.test(head) ? cii(content.toString('utf8')) : ubl(content.toString('utf8'));
    } else {
      throw new DepositError('Fichier non reconnu : ni XML (UBL, CII) ni PDF.');
    }
  } catch (error) {
    if (error instanceof DepositError) throw error;
    throw new DepositError(`Fichier illisible : ${(error as Error).message}`);
  }
  const merged: DepositMetadata = { ...parsed.metadata };
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (parsed.lines.length === 0) {
    // PDF-only: one summary line from the portal form's amounts.
    if (!merged.montantHT) throw new DepositError('Dépôt PDF sans métadonnées : montantHT est obligatoire.');
    const rate = merged.tauxTva ?? '20';
    parsed.lines = [
      {
        id: '1',
        reference: '',
        name: 'Montant facturé (saisie portail)',
        quantity: '1',
        unitCode: 'C62',
        unitPrice: Decimal.parse(merged.montantHT).toString(2),
        netAmount: Decimal.parse(merged.montantHT).toString(2),
        vatRate: rate,
        vatCategory: rate === '0' ? 'E' : 'S',
      },
    ];
  }
  return { ...parsed, metadata: merged };
}

export { computeAmounts };
