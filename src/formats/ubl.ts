// UBL 2.1 Invoice and CreditNote → the EN 16931 model (syntax binding EN 16931-3-2).
import {
  documentTypeOf,
  emptyInvoice,
  type DocumentAllowanceCharge,
  type Invoice,
  type InvoiceLine,
  type Party,
  type PostalAddress,
  type VatBreakdown,
} from '../domain/invoice.ts';
import type { Limits } from './limits.ts';
import type { EmbeddedFile } from './types.ts';
import { Base64Sink, decimal, deriveSiret, identifier, isoDate, newParty, newSyntax, noteCurrency, text } from './values.ts';
import { MappingBuilder } from './xml/builder.ts';
import type { XmlMapping } from './xml/stream.ts';

export const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

type Attachment = {
  id: string | null;
  typeCode: string | null;
  description: string | null;
  mimeType: string | null;
  filename: string | null;
  sink: Base64Sink | null;
  uri: string | null;
};

export type UblState = {
  file: string;
  limits: Limits;
  invoice: Invoice;
  files: EmbeddedFile[];
  party: Party | null;
  taxSchemeCompanyId: string | null;
  taxSchemeId: string | null;
  allowanceCharge: DocumentAllowanceCharge | null;
  taxTotalCurrency: string | null;
  subtotal: VatBreakdown | null;
  line: InvoiceLine | null;
  attachment: Attachment | null;
  /** Inside a PayeeFinancialAccount (BR-50): whether it had an ID; inside a line period (BR-CO-20). */
  accountHasId: boolean;
  /** Within one PaymentMeans (BR-61): its code and whether an account identifier was given. */
  meansCode: string | null;
  meansHasAccountId: boolean;
  linePeriod: boolean;
  linePeriodDated: boolean;
};

export function newUblState(file: string, limits: Limits, creditNote: boolean): UblState {
  const invoice = emptyInvoice('UBL');
  invoice.documentType = creditNote ? 'creditNote' : 'invoice';
  invoice.seller = newParty();
  invoice.buyer = newParty();
  invoice.precedingInvoiceReferences = [];
  invoice.syntax = newSyntax(creditNote ? 'CreditNote' : 'Invoice');
  return {
    file,
    limits,
    invoice,
    files: [],
    party: null,
    taxSchemeCompanyId: null,
    taxSchemeId: null,
    allowanceCharge: null,
    taxTotalCurrency: null,
    subtotal: null,
    line: null,
    attachment: null,
    accountHasId: false,
    meansCode: null,
    meansHasAccountId: false,
    linePeriod: false,
    linePeriodDated: false,
  };
}

const builder = new MappingBuilder<UblState>();
const b = builder;

function amount(s: UblState, value: string, element: string, attributes?: Record<string, string>): string | null {
  if (attributes) noteCurrency(s.invoice.syntax!, attributes);
  return decimal(value, s.file, element);
}

// Header.
b.close('CustomizationID', (s, v) => (s.invoice.profile = text(v)));
b.close('ProfileID', (s, v) => (s.invoice.businessProcess = text(v)));
b.close('ID', (s, v) => (s.invoice.number = text(v)));
b.close('IssueDate', (s, v) => (s.invoice.issueDate = isoDate(v, s.file, 'cbc:IssueDate')));
b.close('DueDate', (s, v) => (s.invoice.dueDate = isoDate(v, s.file, 'cbc:DueDate')));
b.close('TaxPointDate', (s, v) => (s.invoice.vatPointDate = isoDate(v, s.file, 'cbc:TaxPointDate')));
const typeCode = (s: UblState, v: string): void => {
  s.invoice.typeCode = text(v);
  if (s.invoice.typeCode && s.invoice.documentType === 'invoice') s.invoice.documentType = documentTypeOf(s.invoice.typeCode);
};
b.close('InvoiceTypeCode', typeCode);
b.close('CreditNoteTypeCode', typeCode);
b.close('Note', (s, v) => {
  const note = text(v);
  if (note) s.invoice.notes.push(note);
});
b.close('DocumentCurrencyCode', (s, v) => (s.invoice.currency = text(v)));
b.close('TaxCurrencyCode', (s, v) => (s.invoice.taxCurrency = text(v)));
b.close('BuyerReference', (s, v) => (s.invoice.buyerReference = text(v)));
b.close('OrderReference/ID', (s, v) => (s.invoice.orderReference = text(v)));
b.close('ContractDocumentReference/ID', (s, v) => (s.invoice.contractReference ??= text(v)));
b.close('ProjectReference/ID', (s, v) => (s.invoice.projectReference = text(v)));
b.open('InvoicePeriod', (s) => (s.invoice.invoicingPeriod = { start: null, end: null }));
b.close('InvoicePeriod/StartDate', (s, v) => (s.invoice.invoicingPeriod!.start = isoDate(v, s.file, 'cac:InvoicePeriod/cbc:StartDate')));
b.close('InvoicePeriod/EndDate', (s, v) => (s.invoice.invoicingPeriod!.end = isoDate(v, s.file, 'cac:InvoicePeriod/cbc:EndDate')));
b.close('InvoicePeriod/DescriptionCode', (s, v) => (s.invoice.vatPointDateCode = text(v)));
b.open('BillingReference', (s) => s.invoice.precedingInvoiceReferences!.push({ id: null, issueDate: null }));
b.close('BillingReference/InvoiceDocumentReference/ID', (s, v) => {
  const id = text(v);
  s.invoice.precedingInvoiceReferences!.at(-1)!.id = id;
  if (id) s.invoice.precedingInvoices.push(id);
});
b.close('BillingReference/InvoiceDocumentReference/IssueDate', (s, v) => {
  s.invoice.precedingInvoiceReferences!.at(-1)!.issueDate = isoDate(v, s.file, 'cac:InvoiceDocumentReference/cbc:IssueDate');
});

// BG-24 supporting documents (DocumentTypeCode 130 is BT-18, 50 is BT-17: not attachments).
b.open('AdditionalDocumentReference', (s) => {
  s.attachment = { id: null, typeCode: null, description: null, mimeType: null, filename: null, sink: null, uri: null };
});
b.close('AdditionalDocumentReference/ID', (s, v) => (s.attachment!.id = text(v)));
b.close('AdditionalDocumentReference/DocumentTypeCode', (s, v) => (s.attachment!.typeCode = text(v)));
b.close('AdditionalDocumentReference/DocumentDescription', (s, v) => (s.attachment!.description = text(v)));
b.close('AdditionalDocumentReference/Attachment/ExternalReference/URI', (s, v) => (s.attachment!.uri = text(v)));
b.stream('AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject', (s, chunk, attributes) => {
  const attachment = s.attachment!;
  if (!attachment.sink) {
    attachment.sink = new Base64Sink(s.limits.maxBytes, s.file, 'cbc:EmbeddedDocumentBinaryObject');
    attachment.mimeType = text(attributes.mimeCode ?? '');
    attachment.filename = text(attributes.filename ?? '');
  }
  attachment.sink.write(chunk);
});
b.end('AdditionalDocumentReference', (s) => {
  const attachment = s.attachment!;
  s.attachment = null;
  if (attachment.typeCode === '130' || attachment.typeCode === '50') return;
  const filename = attachment.filename ?? attachment.id ?? 'attachment';
  if (attachment.sink) {
    const { content, sha256, size } = attachment.sink.finish();
    s.files.push({ filename, mimeType: attachment.mimeType, content, chorusType: null, description: attachment.description });
    s.invoice.attachments.push({ filename, mimeType: attachment.mimeType, size, sha256, description: attachment.description, chorusType: null, reference: attachment.id });
  } else {
    s.invoice.attachments.push({
      filename: attachment.uri ?? filename,
      mimeType: null,
      size: 0,
      sha256: '',
      description: attachment.description,
      chorusType: null,
      reference: attachment.id,
    });
  }
});

// Parties.
function address(party: Party): PostalAddress {
  party.address ??= { line1: null, line2: null, city: null, postCode: null, countryCode: null };
  return party.address;
}

function partyHandlers(prefix: string, get: (s: UblState) => Party | null, set?: (s: UblState) => Party): void {
  if (set) b.open(prefix, (s) => void (s.party = set(s)));
  const p = (s: UblState): Party => get(s)!;
  b.close(`${prefix}/EndpointID`, (s, v, a) => (p(s).electronicAddress = identifier(v, a)));
  b.close(`${prefix}/PartyIdentification/ID`, (s, v, a) => {
    const id = identifier(v, a);
    if (id) p(s).identifiers.push(id);
  });
  b.close(`${prefix}/PartyName/Name`, (s, v) => (p(s).name ??= text(v)));
  b.close(`${prefix}/PostalAddress/StreetName`, (s, v) => (address(p(s)).line1 = text(v)));
  b.close(`${prefix}/PostalAddress/AdditionalStreetName`, (s, v) => (address(p(s)).line2 = text(v)));
  b.close(`${prefix}/PostalAddress/CityName`, (s, v) => (address(p(s)).city = text(v)));
  b.close(`${prefix}/PostalAddress/PostalZone`, (s, v) => (address(p(s)).postCode = text(v)));
  b.close(`${prefix}/PostalAddress/Country/IdentificationCode`, (s, v) => (address(p(s)).countryCode = text(v)));
  b.open(`${prefix}/PostalAddress`, (s) => void address(p(s)));
  b.open(`${prefix}/PartyTaxScheme`, (s) => {
    s.taxSchemeCompanyId = null;
    s.taxSchemeId = null;
  });
  b.close(`${prefix}/PartyTaxScheme/CompanyID`, (s, v) => (s.taxSchemeCompanyId = text(v)));
  b.close(`${prefix}/PartyTaxScheme/TaxScheme/ID`, (s, v) => (s.taxSchemeId = text(v)));
  b.end(`${prefix}/PartyTaxScheme`, (s) => {
    if (!s.taxSchemeCompanyId) return;
    if (s.taxSchemeId === null || s.taxSchemeId.toUpperCase() === 'VAT') p(s).vatId ??= s.taxSchemeCompanyId;
    else p(s).taxRegistrationId ??= s.taxSchemeCompanyId;
  });
  // The legal name (BT-27/BT-44) wins over the trading name read from PartyName.
  b.close(`${prefix}/PartyLegalEntity/RegistrationName`, (s, v) => {
    const name = text(v);
    if (name) p(s).name = name;
  });
  b.close(`${prefix}/PartyLegalEntity/CompanyID`, (s, v, a) => {
    p(s).legalId = text(v);
    p(s).legalIdScheme = text(a.schemeID ?? a.schemeName ?? '');
  });
  b.end(prefix, (s) => {
    const party = get(s);
    if (party) party.siret = deriveSiret(party);
  });
}

partyHandlers('AccountingSupplierParty/Party', (s) => s.invoice.seller);
partyHandlers('AccountingCustomerParty/Party', (s) => s.invoice.buyer);
partyHandlers('PayeeParty', (s) => s.invoice.payee ?? null, (s) => (s.invoice.payee = newParty()));
partyHandlers('TaxRepresentativeParty', (s) => s.invoice.taxRepresentative ?? null, (s) => (s.invoice.taxRepresentative = newParty()));

// Delivery.
b.open('Delivery', (s) => (s.invoice.delivery ??= { date: null, countryCode: null, hasAddress: false }));
b.close('Delivery/ActualDeliveryDate', (s, v) => (s.invoice.delivery!.date = isoDate(v, s.file, 'cbc:ActualDeliveryDate')));
b.open('Delivery/DeliveryLocation/Address', (s) => (s.invoice.delivery!.hasAddress = true));
b.close('Delivery/DeliveryLocation/Address/Country/IdentificationCode', (s, v) => (s.invoice.delivery!.countryCode = text(v)));

// Payment.
b.open('PaymentMeans', (s) => {
  s.meansCode = null;
  s.meansHasAccountId = false;
});
b.end('PaymentMeans', (s) => {
  if ((s.meansCode === '30' || s.meansCode === '58') && !s.meansHasAccountId) s.invoice.syntax!.transfersWithoutAccountId += 1;
});
b.close('PaymentMeans/PaymentMeansCode', (s, v) => {
  const code = text(v);
  s.meansCode = code;
  if (code) s.invoice.syntax!.paymentMeansCodes.push(code);
  s.invoice.payment.meansCode ??= code;
});
b.close('PaymentMeans/PaymentDueDate', (s, v) => (s.invoice.dueDate ??= isoDate(v, s.file, 'cbc:PaymentDueDate')));
b.close('PaymentMeans/PaymentID', (s, v) => (s.invoice.payment.remittanceInfo ??= text(v)));
b.open('PaymentMeans/PayeeFinancialAccount', (s) => void (s.accountHasId = false));
b.close('PaymentMeans/PayeeFinancialAccount/ID', (s, v) => {
  const id = text(v)?.replace(/\s/g, '') ?? null;
  if (id) s.accountHasId = s.meansHasAccountId = true;
  s.invoice.payment.iban ??= id;
});
b.end('PaymentMeans/PayeeFinancialAccount', (s) => {
  if (!s.accountHasId) s.invoice.syntax!.accountsWithoutId += 1;
});
b.close('PaymentMeans/PayeeFinancialAccount/Name', (s, v) => (s.invoice.payment.accountName ??= text(v)));
b.close('PaymentMeans/PayeeFinancialAccount/FinancialInstitutionBranch/ID', (s, v) => (s.invoice.payment.bic ??= text(v)));
b.close('PaymentMeans/CardAccount/PrimaryAccountNumberID', (s, v) => (s.invoice.payment.cardAccount = text(v)));
b.close('PaymentMeans/PaymentMandate/ID', (s, v) => (s.invoice.payment.mandateReference = text(v)));
b.close('PaymentTerms/Note', (s, v) => {
  const note = text(v);
  if (note) s.invoice.payment.terms = s.invoice.payment.terms ? `${s.invoice.payment.terms}\n${note}` : note;
});

// Allowances and charges (document level BG-20/BG-21 and line level BG-27/BG-28).
function allowanceChargeHandlers(prefix: string, list: (s: UblState) => DocumentAllowanceCharge[]): void {
  b.open(prefix, (s) => {
    s.allowanceCharge = { isCharge: false, amount: null, reason: null, vatCategory: null, vatRate: null, reasonCode: null, baseAmount: null, percentage: null };
  });
  b.close(`${prefix}/ChargeIndicator`, (s, v) => (s.allowanceCharge!.isCharge = v.trim() === 'true'));
  b.close(`${prefix}/AllowanceChargeReasonCode`, (s, v) => (s.allowanceCharge!.reasonCode = text(v)));
  b.close(`${prefix}/AllowanceChargeReason`, (s, v) => (s.allowanceCharge!.reason = text(v)));
  b.close(`${prefix}/MultiplierFactorNumeric`, (s, v) => (s.allowanceCharge!.percentage = amount(s, v, 'cbc:MultiplierFactorNumeric')));
  b.close(`${prefix}/Amount`, (s, v, a) => (s.allowanceCharge!.amount = amount(s, v, 'cac:AllowanceCharge/cbc:Amount', a)));
  b.close(`${prefix}/BaseAmount`, (s, v, a) => (s.allowanceCharge!.baseAmount = amount(s, v, 'cac:AllowanceCharge/cbc:BaseAmount', a)));
  b.close(`${prefix}/TaxCategory/ID`, (s, v) => (s.allowanceCharge!.vatCategory = text(v)));
  b.close(`${prefix}/TaxCategory/Percent`, (s, v) => (s.allowanceCharge!.vatRate = amount(s, v, 'cac:TaxCategory/cbc:Percent')));
  b.end(prefix, (s) => {
    list(s).push(s.allowanceCharge!);
    s.allowanceCharge = null;
  });
}
allowanceChargeHandlers('AllowanceCharge', (s) => s.invoice.allowancesCharges);

// VAT: BT-110 is the TaxTotal in the document currency; another currency's TaxTotal is BT-111.
b.close('TaxTotal/TaxAmount', (s, v, a) => {
  const currency = text(a.currencyID ?? '');
  const value = amount(s, v, 'cac:TaxTotal/cbc:TaxAmount', a);
  if (currency !== null && s.invoice.currency !== null && currency !== s.invoice.currency) {
    if (currency === s.invoice.taxCurrency || s.invoice.taxTotalInTaxCurrency == null) s.invoice.taxTotalInTaxCurrency = value;
  } else if (s.invoice.totals.tax === null) {
    s.invoice.totals.tax = value;
  }
});
b.open('TaxTotal/TaxSubtotal', (s) => {
  s.subtotal = { category: null, rate: null, taxableAmount: null, taxAmount: null, exemptionReason: null, exemptionReasonCode: null };
});
b.close('TaxTotal/TaxSubtotal/TaxableAmount', (s, v, a) => (s.subtotal!.taxableAmount = amount(s, v, 'cac:TaxSubtotal/cbc:TaxableAmount', a)));
b.close('TaxTotal/TaxSubtotal/TaxAmount', (s, v, a) => (s.subtotal!.taxAmount = amount(s, v, 'cac:TaxSubtotal/cbc:TaxAmount', a)));
b.close('TaxTotal/TaxSubtotal/TaxCategory/ID', (s, v) => (s.subtotal!.category = text(v)));
b.close('TaxTotal/TaxSubtotal/TaxCategory/Percent', (s, v) => (s.subtotal!.rate = amount(s, v, 'cac:TaxCategory/cbc:Percent')));
b.close('TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReason', (s, v) => (s.subtotal!.exemptionReason = text(v)));
b.close('TaxTotal/TaxSubtotal/TaxCategory/TaxExemptionReasonCode', (s, v) => (s.subtotal!.exemptionReasonCode = text(v)));
b.end('TaxTotal/TaxSubtotal', (s) => {
  s.invoice.vatBreakdown.push(s.subtotal!);
  s.subtotal = null;
});

// Totals BG-22.
const totals: [string, keyof Invoice['totals']][] = [
  ['LineExtensionAmount', 'lineNet'],
  ['AllowanceTotalAmount', 'allowances'],
  ['ChargeTotalAmount', 'charges'],
  ['TaxExclusiveAmount', 'taxExclusive'],
  ['TaxInclusiveAmount', 'taxInclusive'],
  ['PrepaidAmount', 'prepaid'],
  ['PayableRoundingAmount', 'rounding'],
  ['PayableAmount', 'payable'],
];
for (const [element, key] of totals) {
  b.close(`LegalMonetaryTotal/${element}`, (s, v, a) => (s.invoice.totals[key] = amount(s, v, `cbc:${element}`, a)));
}

// Lines BG-25 (InvoiceLine or CreditNoteLine).
for (const lineElement of ['InvoiceLine', 'CreditNoteLine']) {
  const l = lineElement;
  b.open(l, (s) => {
    s.line = {
      id: null,
      name: null,
      description: null,
      quantity: null,
      unitCode: null,
      netPrice: null,
      netAmount: null,
      vatCategory: null,
      vatRate: null,
      orderLineReference: null,
      grossPrice: null,
      priceBaseQuantity: null,
      periodStart: null,
      periodEnd: null,
      allowancesCharges: [],
      standardId: null,
      classifications: [],
      attributes: [],
    };
  });
  b.close(`${l}/ID`, (s, v) => (s.line!.id = text(v)));
  const quantity = (s: UblState, v: string, a: Record<string, string>): void => {
    s.line!.quantity = amount(s, v, 'cbc:InvoicedQuantity');
    s.line!.unitCode = text(a.unitCode ?? '');
  };
  b.close(`${l}/InvoicedQuantity`, quantity);
  b.close(`${l}/CreditedQuantity`, quantity);
  b.close(`${l}/LineExtensionAmount`, (s, v, a) => (s.line!.netAmount = amount(s, v, 'cac:InvoiceLine/cbc:LineExtensionAmount', a)));
  b.close(`${l}/OrderLineReference/LineID`, (s, v) => (s.line!.orderLineReference = text(v)));
  b.open(`${l}/InvoicePeriod`, (s) => void (s.linePeriod = true));
  b.open(`${l}/InvoicePeriod/StartDate`, (s) => void (s.linePeriodDated = true));
  b.open(`${l}/InvoicePeriod/EndDate`, (s) => void (s.linePeriodDated = true));
  b.close(`${l}/InvoicePeriod/StartDate`, (s, v) => (s.line!.periodStart = isoDate(v, s.file, 'cac:InvoiceLine/cac:InvoicePeriod/cbc:StartDate')));
  b.close(`${l}/InvoicePeriod/EndDate`, (s, v) => (s.line!.periodEnd = isoDate(v, s.file, 'cac:InvoiceLine/cac:InvoicePeriod/cbc:EndDate')));
  allowanceChargeHandlers(`${l}/AllowanceCharge`, (s) => s.line!.allowancesCharges!);
  b.close(`${l}/Item/Name`, (s, v) => (s.line!.name = text(v)));
  b.close(`${l}/Item/Description`, (s, v) => (s.line!.description = text(v)));
  b.close(`${l}/Item/StandardItemIdentification/ID`, (s, v, a) => (s.line!.standardId = identifier(v, a) ?? { id: '', scheme: text(a.schemeID ?? '') }));
  b.close(`${l}/Item/CommodityClassification/ItemClassificationCode`, (s, v, a) => {
    const code = text(v);
    if (code) s.line!.classifications!.push({ id: code, scheme: text(a.listID ?? '') });
  });
  b.close(`${l}/Item/ClassifiedTaxCategory/ID`, (s, v) => (s.line!.vatCategory = text(v)));
  b.close(`${l}/Item/ClassifiedTaxCategory/Percent`, (s, v) => (s.line!.vatRate = amount(s, v, 'cac:ClassifiedTaxCategory/cbc:Percent')));
  b.open(`${l}/Item/AdditionalItemProperty`, (s) => s.line!.attributes!.push({ name: null, value: null }));
  b.close(`${l}/Item/AdditionalItemProperty/Name`, (s, v) => (s.line!.attributes!.at(-1)!.name = text(v)));
  b.close(`${l}/Item/AdditionalItemProperty/Value`, (s, v) => (s.line!.attributes!.at(-1)!.value = text(v)));
  b.close(`${l}/Price/PriceAmount`, (s, v, a) => (s.line!.netPrice = amount(s, v, 'cac:Price/cbc:PriceAmount', a)));
  b.close(`${l}/Price/BaseQuantity`, (s, v, a) => {
    s.line!.priceBaseQuantity = amount(s, v, 'cac:Price/cbc:BaseQuantity');
    const unit = text(a.unitCode ?? '');
    if (unit) s.invoice.syntax!.baseQuantityUnits.push(unit);
  });
  b.close(`${l}/Price/AllowanceCharge/BaseAmount`, (s, v, a) => (s.line!.grossPrice = amount(s, v, 'cac:Price/cac:AllowanceCharge/cbc:BaseAmount', a)));
  b.end(l, (s) => {
    if (s.linePeriod && !s.linePeriodDated) s.invoice.syntax!.emptyLinePeriods.push(s.invoice.lines.length + 1);
    s.linePeriod = false;
    s.linePeriodDated = false;
    s.invoice.lines.push(s.line!);
    s.line = null;
  });
}

export const UBL_MAPPING: XmlMapping<UblState> = builder.mapping;
