// UN/CEFACT CII D16B (EN 16931-3-3, Factur-X ≥ 1.0, ZUGFeRD ≥ 2.0, XRechnung-CII) and ZUGFeRD 1.0
// CrossIndustryDocument (and its pre-1.0 "RC" draft) → the EN 16931 model. ZUGFeRD 1 names the same
// things with older element names; each handler is registered under both spellings (see zf1Aliases).
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

export const CII_NS = 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100';
export const ZF1_NS = 'urn:ferd:CrossIndustryDocument:invoice:1p0';

type Attachment = {
  id: string | null;
  typeCode: string | null;
  description: string | null;
  mimeType: string | null;
  filename: string | null;
  sink: Base64Sink | null;
  uri: string | null;
};

export type CiiState = {
  file: string;
  limits: Limits;
  invoice: Invoice;
  files: EmbeddedFile[];
  allowanceCharge: DocumentAllowanceCharge | null;
  tax: VatBreakdown | null;
  line: InvoiceLine | null;
  attachment: Attachment | null;
  taxRegistrationScheme: string | null;
  sawPaymentMeans: number;
  /** Inside a creditor account (BR-50): whether it had an ID; inside a line period (BR-CO-20). */
  accountHasId: boolean;
  /** The type code of the payment means being read (BR-61 applies to 30 and 58). */
  meansCode: string | null;
  linePeriod: boolean;
  linePeriodDated: boolean;
};

export function newCiiState(file: string, limits: Limits, format: 'CII' | 'ZUGFERD1'): CiiState {
  const invoice = emptyInvoice(format);
  invoice.seller = newParty();
  invoice.buyer = newParty();
  invoice.precedingInvoiceReferences = [];
  invoice.syntax = newSyntax(null);
  return {
    file,
    limits,
    invoice,
    files: [],
    allowanceCharge: null,
    tax: null,
    line: null,
    attachment: null,
    taxRegistrationScheme: null,
    sawPaymentMeans: 0,
    accountHasId: false,
    meansCode: null,
    linePeriod: false,
    linePeriodDated: false,
  };
}

const ZF1_SEGMENTS: Record<string, string> = {
  ExchangedDocumentContext: 'SpecifiedExchangedDocumentContext',
  ExchangedDocument: 'HeaderExchangedDocument',
  SupplyChainTradeTransaction: 'SpecifiedSupplyChainTradeTransaction',
  ApplicableHeaderTradeAgreement: 'ApplicableSupplyChainTradeAgreement',
  ApplicableHeaderTradeDelivery: 'ApplicableSupplyChainTradeDelivery',
  ApplicableHeaderTradeSettlement: 'ApplicableSupplyChainTradeSettlement',
  SpecifiedTradeSettlementHeaderMonetarySummation: 'SpecifiedTradeSettlementMonetarySummation',
  SpecifiedLineTradeAgreement: 'SpecifiedSupplyChainTradeAgreement',
  SpecifiedLineTradeDelivery: 'SpecifiedSupplyChainTradeDelivery',
  SpecifiedLineTradeSettlement: 'SpecifiedSupplyChainTradeSettlement',
  SpecifiedTradeSettlementLineMonetarySummation: 'SpecifiedTradeSettlementMonetarySummation',
  RateApplicablePercent: 'ApplicablePercent',
  IssuerAssignedID: 'ID',
};

/** The D16B path and its ZUGFeRD 1 spelling; ZF1 dates may carry their text directly (RC draft). */
function zf1Aliases(path: string): string[] {
  const zf1 = path
    .split('/')
    .map((segment) => ZF1_SEGMENTS[segment] ?? segment)
    .join('/')
    .replace(/\/(DateTimeString|DateString)$/, '');
  return zf1 === path ? [path] : [path, zf1];
}

const b = new MappingBuilder<CiiState>(zf1Aliases);
const T = 'SupplyChainTradeTransaction';
const A = `${T}/ApplicableHeaderTradeAgreement`;
const D = `${T}/ApplicableHeaderTradeDelivery`;
const S = `${T}/ApplicableHeaderTradeSettlement`;
const L = `${T}/IncludedSupplyChainTradeLineItem`;

function amount(s: CiiState, value: string, element: string): string | null {
  return decimal(value, s.file, element);
}

// Header.
b.close('ExchangedDocumentContext/BusinessProcessSpecifiedDocumentContextParameter/ID', (s, v) => (s.invoice.businessProcess = text(v)));
b.close('ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID', (s, v) => (s.invoice.profile ??= text(v)));
b.close('ExchangedDocument/ID', (s, v) => (s.invoice.number = text(v)));
b.close('ExchangedDocument/TypeCode', (s, v) => {
  s.invoice.typeCode = text(v);
  s.invoice.documentType = documentTypeOf(s.invoice.typeCode);
});
b.close('ExchangedDocument/IssueDateTime/DateTimeString', (s, v) => (s.invoice.issueDate = isoDate(v, s.file, 'ram:IssueDateTime')));
b.close('ExchangedDocument/IncludedNote/Content', (s, v) => {
  const note = text(v);
  if (note) s.invoice.notes.push(note);
});

// Agreement: references and parties.
b.close(`${A}/BuyerReference`, (s, v) => (s.invoice.buyerReference = text(v)));
b.close(`${A}/BuyerOrderReferencedDocument/IssuerAssignedID`, (s, v) => (s.invoice.orderReference = text(v)));
b.close(`${A}/ContractReferencedDocument/IssuerAssignedID`, (s, v) => (s.invoice.contractReference = text(v)));
b.close(`${A}/SpecifiedProcuringProject/ID`, (s, v) => (s.invoice.projectReference = text(v)));

function address(party: Party): PostalAddress {
  party.address ??= { line1: null, line2: null, city: null, postCode: null, countryCode: null };
  return party.address;
}

function partyHandlers(prefix: string, get: (s: CiiState) => Party | null, create?: (s: CiiState) => void): void {
  if (create) b.open(prefix, create);
  const p = (s: CiiState): Party => get(s)!;
  b.close(`${prefix}/ID`, (s, v) => {
    const id = text(v);
    if (id) p(s).identifiers.push({ id, scheme: null });
  });
  b.close(`${prefix}/GlobalID`, (s, v, a) => {
    const id = identifier(v, a);
    if (id) p(s).identifiers.push(id);
  });
  b.close(`${prefix}/Name`, (s, v) => (p(s).name = text(v)));
  b.close(`${prefix}/SpecifiedLegalOrganization/ID`, (s, v, a) => {
    p(s).legalId = text(v);
    p(s).legalIdScheme = text(a.schemeID ?? '');
  });
  b.open(`${prefix}/PostalTradeAddress`, (s) => void address(p(s)));
  b.close(`${prefix}/PostalTradeAddress/PostcodeCode`, (s, v) => (address(p(s)).postCode = text(v)));
  b.close(`${prefix}/PostalTradeAddress/LineOne`, (s, v) => (address(p(s)).line1 = text(v)));
  b.close(`${prefix}/PostalTradeAddress/LineTwo`, (s, v) => (address(p(s)).line2 = text(v)));
  b.close(`${prefix}/PostalTradeAddress/CityName`, (s, v) => (address(p(s)).city = text(v)));
  b.close(`${prefix}/PostalTradeAddress/CountryID`, (s, v) => (address(p(s)).countryCode = text(v)));
  b.close(`${prefix}/URIUniversalCommunication/URIID`, (s, v, a) => (p(s).electronicAddress = identifier(v, a)));
  b.close(`${prefix}/SpecifiedTaxRegistration/ID`, (s, v, a) => {
    const id = text(v);
    if (!id) return;
    const scheme = (a.schemeID ?? '').trim().toUpperCase();
    if (scheme === 'VA' || scheme === '') p(s).vatId ??= id;
    else p(s).taxRegistrationId ??= id;
  });
  b.end(prefix, (s) => {
    const party = get(s);
    if (party) party.siret = deriveSiret(party);
  });
}
partyHandlers(`${A}/SellerTradeParty`, (s) => s.invoice.seller);
partyHandlers(`${A}/BuyerTradeParty`, (s) => s.invoice.buyer);
partyHandlers(`${A}/SellerTaxRepresentativeTradeParty`, (s) => s.invoice.taxRepresentative ?? null, (s) => void (s.invoice.taxRepresentative = newParty()));
partyHandlers(`${S}/PayeeTradeParty`, (s) => s.invoice.payee, (s) => void (s.invoice.payee = newParty()));

// BG-24: AdditionalReferencedDocument with TypeCode 916 (50 is BT-17, 130 is BT-18).
b.open(`${A}/AdditionalReferencedDocument`, (s) => {
  s.attachment = { id: null, typeCode: null, description: null, mimeType: null, filename: null, sink: null, uri: null };
});
b.close(`${A}/AdditionalReferencedDocument/IssuerAssignedID`, (s, v) => (s.attachment!.id = text(v)));
b.close(`${A}/AdditionalReferencedDocument/TypeCode`, (s, v) => (s.attachment!.typeCode = text(v)));
b.close(`${A}/AdditionalReferencedDocument/Name`, (s, v) => (s.attachment!.description = text(v)));
b.close(`${A}/AdditionalReferencedDocument/URIID`, (s, v) => (s.attachment!.uri = text(v)));
b.stream(`${A}/AdditionalReferencedDocument/AttachmentBinaryObject`, (s, chunk, attributes) => {
  const attachment = s.attachment!;
  if (!attachment.sink) {
    attachment.sink = new Base64Sink(s.limits.maxBytes, s.file, 'ram:AttachmentBinaryObject');
    attachment.mimeType = text(attributes.mimeCode ?? '');
    attachment.filename = text(attributes.filename ?? '');
  }
  attachment.sink.write(chunk);
});
b.end(`${A}/AdditionalReferencedDocument`, (s) => {
  const attachment = s.attachment!;
  s.attachment = null;
  if (attachment.typeCode !== null && attachment.typeCode !== '916') return;
  const filename = attachment.filename ?? attachment.id ?? 'attachment';
  if (attachment.sink) {
    const { content, sha256, size } = attachment.sink.finish();
    s.files.push({ filename, mimeType: attachment.mimeType, content, chorusType: null, description: attachment.description });
    s.invoice.attachments.push({ filename, mimeType: attachment.mimeType, size, sha256, description: attachment.description, chorusType: null, reference: attachment.id });
  } else {
    s.invoice.attachments.push({ filename: attachment.uri ?? filename, mimeType: null, size: 0, sha256: '', description: attachment.description, chorusType: null, reference: attachment.id });
  }
});

// Delivery.
const delivery = (s: CiiState): NonNullable<Invoice['delivery']> => (s.invoice.delivery ??= { date: null, countryCode: null, hasAddress: false });
b.open(`${D}/ShipToTradeParty/PostalTradeAddress`, (s) => void (delivery(s).hasAddress = true));
b.close(`${D}/ShipToTradeParty/PostalTradeAddress/CountryID`, (s, v) => void (delivery(s).countryCode = text(v)));
b.close(`${D}/ActualDeliverySupplyChainEvent/OccurrenceDateTime/DateTimeString`, (s, v) => void (delivery(s).date = isoDate(v, s.file, 'ram:OccurrenceDateTime')));

// Settlement.
b.close(`${S}/InvoiceCurrencyCode`, (s, v) => (s.invoice.currency = text(v)));
b.close(`${S}/TaxCurrencyCode`, (s, v) => (s.invoice.taxCurrency = text(v)));
b.close(`${S}/PaymentReference`, (s, v) => (s.invoice.payment.remittanceInfo = text(v)));
const PM = `${S}/SpecifiedTradeSettlementPaymentMeans`;
b.open(PM, (s) => {
  s.sawPaymentMeans += 1;
  s.meansCode = null;
});
b.close(`${PM}/TypeCode`, (s, v) => {
  const code = text(v);
  s.meansCode = code;
  if (code) s.invoice.syntax!.paymentMeansCodes.push(code);
  s.invoice.payment.meansCode ??= code;
});
b.open(`${PM}/PayeePartyCreditorFinancialAccount`, (s) => void (s.accountHasId = false));
b.open(`${PM}/PayeePartyCreditorFinancialAccount/IBANID`, (s) => void (s.accountHasId = true));
b.open(`${PM}/PayeePartyCreditorFinancialAccount/ProprietaryID`, (s) => void (s.accountHasId = true));
b.end(`${PM}/PayeePartyCreditorFinancialAccount`, (s) => {
  if (s.accountHasId) return;
  s.invoice.syntax!.accountsWithoutId += 1;
  if (s.meansCode === '30' || s.meansCode === '58') s.invoice.syntax!.transfersWithoutAccountId += 1;
});
b.close(`${PM}/PayeePartyCreditorFinancialAccount/IBANID`, (s, v) => (s.invoice.payment.iban ??= text(v)?.replace(/\s/g, '') ?? null));
b.close(`${PM}/PayeePartyCreditorFinancialAccount/ProprietaryID`, (s, v) => (s.invoice.payment.iban ??= text(v)));
b.close(`${PM}/PayeePartyCreditorFinancialAccount/AccountName`, (s, v) => (s.invoice.payment.accountName ??= text(v)));
b.close(`${PM}/PayeeSpecifiedCreditorFinancialInstitution/BICID`, (s, v) => (s.invoice.payment.bic ??= text(v)));
b.close(`${PM}/ApplicableTradeSettlementFinancialCard/ID`, (s, v) => (s.invoice.payment.cardAccount = text(v)));

b.open(`${S}/ApplicableTradeTax`, (s) => {
  s.tax = { category: null, rate: null, taxableAmount: null, taxAmount: null, exemptionReason: null, exemptionReasonCode: null };
});
b.close(`${S}/ApplicableTradeTax/CalculatedAmount`, (s, v) => (s.tax!.taxAmount = amount(s, v, 'ram:ApplicableTradeTax/ram:CalculatedAmount')));
b.close(`${S}/ApplicableTradeTax/BasisAmount`, (s, v) => (s.tax!.taxableAmount = amount(s, v, 'ram:ApplicableTradeTax/ram:BasisAmount')));
b.close(`${S}/ApplicableTradeTax/CategoryCode`, (s, v) => (s.tax!.category = text(v)));
b.close(`${S}/ApplicableTradeTax/RateApplicablePercent`, (s, v) => (s.tax!.rate = amount(s, v, 'ram:ApplicableTradeTax/ram:RateApplicablePercent')));
b.close(`${S}/ApplicableTradeTax/ExemptionReason`, (s, v) => (s.tax!.exemptionReason = text(v)));
b.close(`${S}/ApplicableTradeTax/ExemptionReasonCode`, (s, v) => (s.tax!.exemptionReasonCode = text(v)));
b.close(`${S}/ApplicableTradeTax/DueDateTypeCode`, (s, v) => (s.invoice.vatPointDateCode ??= text(v)));
b.close(`${S}/ApplicableTradeTax/TaxPointDate/DateString`, (s, v) => (s.invoice.vatPointDate ??= isoDate(v, s.file, 'ram:TaxPointDate')));
b.end(`${S}/ApplicableTradeTax`, (s) => {
  s.invoice.vatBreakdown.push(s.tax!);
  s.tax = null;
});

const period = (s: CiiState): NonNullable<Invoice['invoicingPeriod']> => (s.invoice.invoicingPeriod ??= { start: null, end: null });
b.close(`${S}/BillingSpecifiedPeriod/StartDateTime/DateTimeString`, (s, v) => void (period(s).start = isoDate(v, s.file, 'ram:BillingSpecifiedPeriod/ram:StartDateTime')));
b.close(`${S}/BillingSpecifiedPeriod/EndDateTime/DateTimeString`, (s, v) => void (period(s).end = isoDate(v, s.file, 'ram:BillingSpecifiedPeriod/ram:EndDateTime')));

function allowanceChargeHandlers(prefix: string, list: (s: CiiState) => DocumentAllowanceCharge[]): void {
  b.open(prefix, (s) => {
    s.allowanceCharge = { isCharge: false, amount: null, reason: null, vatCategory: null, vatRate: null, reasonCode: null, baseAmount: null, percentage: null };
  });
  b.close(`${prefix}/ChargeIndicator/Indicator`, (s, v) => (s.allowanceCharge!.isCharge = v.trim() === 'true'));
  b.close(`${prefix}/ActualAmount`, (s, v) => (s.allowanceCharge!.amount = amount(s, v, 'ram:SpecifiedTradeAllowanceCharge/ram:ActualAmount')));
  b.close(`${prefix}/BasisAmount`, (s, v) => (s.allowanceCharge!.baseAmount = amount(s, v, 'ram:SpecifiedTradeAllowanceCharge/ram:BasisAmount')));
  b.close(`${prefix}/CalculationPercent`, (s, v) => (s.allowanceCharge!.percentage = amount(s, v, 'ram:CalculationPercent')));
  b.close(`${prefix}/Reason`, (s, v) => (s.allowanceCharge!.reason = text(v)));
  b.close(`${prefix}/ReasonCode`, (s, v) => (s.allowanceCharge!.reasonCode = text(v)));
  b.close(`${prefix}/CategoryTradeTax/CategoryCode`, (s, v) => (s.allowanceCharge!.vatCategory = text(v)));
  b.close(`${prefix}/CategoryTradeTax/RateApplicablePercent`, (s, v) => (s.allowanceCharge!.vatRate = amount(s, v, 'ram:CategoryTradeTax/ram:RateApplicablePercent')));
  b.end(prefix, (s) => {
    list(s).push(s.allowanceCharge!);
    s.allowanceCharge = null;
  });
}
allowanceChargeHandlers(`${S}/SpecifiedTradeAllowanceCharge`, (s) => s.invoice.allowancesCharges);

b.close(`${S}/SpecifiedTradePaymentTerms/Description`, (s, v) => {
  const terms = text(v);
  if (terms) s.invoice.payment.terms = s.invoice.payment.terms ? `${s.invoice.payment.terms}\n${terms}` : terms;
});
b.close(`${S}/SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString`, (s, v) => (s.invoice.dueDate ??= isoDate(v, s.file, 'ram:DueDateDateTime')));
b.close(`${S}/SpecifiedTradePaymentTerms/DirectDebitMandateID`, (s, v) => (s.invoice.payment.mandateReference = text(v)));

const SUM = `${S}/SpecifiedTradeSettlementHeaderMonetarySummation`;
const totals: [string, keyof Invoice['totals']][] = [
  ['LineTotalAmount', 'lineNet'],
  ['AllowanceTotalAmount', 'allowances'],
  ['ChargeTotalAmount', 'charges'],
  ['TaxBasisTotalAmount', 'taxExclusive'],
  ['GrandTotalAmount', 'taxInclusive'],
  ['TotalPrepaidAmount', 'prepaid'],
  ['RoundingAmount', 'rounding'],
  ['DuePayableAmount', 'payable'],
];
for (const [element, key] of totals) {
  b.close(`${SUM}/${element}`, (s, v) => (s.invoice.totals[key] = amount(s, v, `ram:${element}`)));
}
// BT-110 is the TaxTotalAmount in the invoice currency; another currency's is BT-111.
b.close(`${SUM}/TaxTotalAmount`, (s, v, a) => {
  const currency = text(a.currencyID ?? '');
  noteCurrency(s.invoice.syntax!, a);
  const value = amount(s, v, 'ram:TaxTotalAmount');
  if (currency !== null && s.invoice.currency !== null && currency !== s.invoice.currency) s.invoice.taxTotalInTaxCurrency = value;
  else if (s.invoice.totals.tax === null) s.invoice.totals.tax = value;
  else s.invoice.taxTotalInTaxCurrency = value;
});

b.open(`${S}/InvoiceReferencedDocument`, (s) => s.invoice.precedingInvoiceReferences!.push({ id: null, issueDate: null }));
b.close(`${S}/InvoiceReferencedDocument/IssuerAssignedID`, (s, v) => {
  const id = text(v);
  s.invoice.precedingInvoiceReferences!.at(-1)!.id = id;
  if (id) s.invoice.precedingInvoices.push(id);
});
b.close(`${S}/InvoiceReferencedDocument/FormattedIssueDateTime/DateTimeString`, (s, v) => {
  s.invoice.precedingInvoiceReferences!.at(-1)!.issueDate = isoDate(v, s.file, 'ram:FormattedIssueDateTime');
});

// Lines.
b.open(L, (s) => {
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
b.close(`${L}/AssociatedDocumentLineDocument/LineID`, (s, v) => (s.line!.id = text(v)));
b.close(`${L}/SpecifiedTradeProduct/Name`, (s, v) => (s.line!.name = text(v)));
b.close(`${L}/SpecifiedTradeProduct/Description`, (s, v) => (s.line!.description = text(v)));
b.close(`${L}/SpecifiedTradeProduct/GlobalID`, (s, v, a) => (s.line!.standardId = identifier(v, a) ?? { id: '', scheme: text(a.schemeID ?? '') }));
b.close(`${L}/SpecifiedTradeProduct/DesignatedProductClassification/ClassCode`, (s, v, a) => {
  const code = text(v);
  if (code) s.line!.classifications!.push({ id: code, scheme: text(a.listID ?? '') });
});
b.open(`${L}/SpecifiedTradeProduct/ApplicableProductCharacteristic`, (s) => s.line!.attributes!.push({ name: null, value: null }));
b.close(`${L}/SpecifiedTradeProduct/ApplicableProductCharacteristic/Description`, (s, v) => (s.line!.attributes!.at(-1)!.name = text(v)));
b.close(`${L}/SpecifiedTradeProduct/ApplicableProductCharacteristic/Value`, (s, v) => (s.line!.attributes!.at(-1)!.value = text(v)));
b.close(`${L}/SpecifiedLineTradeAgreement/BuyerOrderReferencedDocument/LineID`, (s, v) => (s.line!.orderLineReference = text(v)));
b.close(`${L}/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/ChargeAmount`, (s, v) => (s.line!.grossPrice = amount(s, v, 'ram:GrossPriceProductTradePrice/ram:ChargeAmount')));
b.close(`${L}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount`, (s, v) => (s.line!.netPrice = amount(s, v, 'ram:NetPriceProductTradePrice/ram:ChargeAmount')));
b.close(`${L}/SpecifiedLineTradeAgreement/NetPriceProductTradePrice/BasisQuantity`, (s, v, a) => {
  s.line!.priceBaseQuantity = amount(s, v, 'ram:BasisQuantity');
  const unit = text(a.unitCode ?? '');
  if (unit) s.invoice.syntax!.baseQuantityUnits.push(unit);
});
b.open(`${L}/SpecifiedLineTradeAgreement/GrossPriceProductTradePrice/BasisQuantity`, (s, a) => {
  const unit = text(a.unitCode ?? '');
  if (unit) s.invoice.syntax!.baseQuantityUnits.push(unit);
});
b.close(`${L}/SpecifiedLineTradeDelivery/BilledQuantity`, (s, v, a) => {
  s.line!.quantity = amount(s, v, 'ram:BilledQuantity');
  s.line!.unitCode = text(a.unitCode ?? '');
});
const LS = `${L}/SpecifiedLineTradeSettlement`;
b.close(`${LS}/ApplicableTradeTax/CategoryCode`, (s, v) => (s.line!.vatCategory = text(v)));
b.close(`${LS}/ApplicableTradeTax/RateApplicablePercent`, (s, v) => (s.line!.vatRate = amount(s, v, 'ram:RateApplicablePercent')));
b.open(`${LS}/BillingSpecifiedPeriod`, (s) => void (s.linePeriod = true));
b.open(`${LS}/BillingSpecifiedPeriod/StartDateTime`, (s) => void (s.linePeriodDated = true));
b.open(`${LS}/BillingSpecifiedPeriod/EndDateTime`, (s) => void (s.linePeriodDated = true));
b.close(`${LS}/BillingSpecifiedPeriod/StartDateTime/DateTimeString`, (s, v) => (s.line!.periodStart = isoDate(v, s.file, 'ram:StartDateTime')));
b.close(`${LS}/BillingSpecifiedPeriod/EndDateTime/DateTimeString`, (s, v) => (s.line!.periodEnd = isoDate(v, s.file, 'ram:EndDateTime')));
allowanceChargeHandlers(`${LS}/SpecifiedTradeAllowanceCharge`, (s) => s.line!.allowancesCharges!);
b.close(`${LS}/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount`, (s, v) => (s.line!.netAmount = amount(s, v, 'ram:LineTotalAmount')));
b.end(L, (s) => {
  if (s.linePeriod && !s.linePeriodDated) s.invoice.syntax!.emptyLinePeriods.push(s.invoice.lines.length + 1);
  s.linePeriod = false;
  s.linePeriodDated = false;
  s.invoice.lines.push(s.line!);
  s.line = null;
});

export const CII_MAPPING: XmlMapping<CiiState> = b.mapping;
