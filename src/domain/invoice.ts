// The canonical invoice model, following EN 16931 (business terms BT-x, groups BG-x).
// Every reader (UBL, CII, Factur-X, ZUGFeRD 1, Chorus pivot, PDF-only) produces this shape and
// everything downstream (sync, matching, mandats, search, archive) consumes only this shape.
// Amounts, quantities and rates are exact decimal strings (see money.ts); absent terms are null.

export type InvoiceFormat = 'UBL' | 'CII' | 'FACTURX' | 'ZUGFERD1' | 'PIVOT' | 'PDF';
export type DocumentType = 'invoice' | 'creditNote';

/** A decimal number written as a string, e.g. "1234.50". */
export type DecimalString = string;
/** A calendar date, YYYY-MM-DD. */
export type IsoDate = string;

export type PartyIdentifier = { id: string; scheme: string | null };

export type PostalAddress = {
  line1: string | null; // BT-35 / BT-50
  line2: string | null;
  city: string | null; // BT-37 / BT-52
  postCode: string | null; // BT-38 / BT-53
  countryCode: string | null; // BT-40 / BT-55
};

export type Party = {
  name: string | null; // BT-27 / BT-44
  identifiers: PartyIdentifier[]; // BT-29 / BT-46
  legalId: string | null; // BT-30 / BT-47
  legalIdScheme: string | null;
  vatId: string | null; // BT-31 / BT-48
  /** 14-digit SIRET when one can be derived (scheme 0009, or a 14-digit legal id). */
  siret: string | null;
  address: PostalAddress | null;
  /** BT-34 / BT-49 electronic address (optional: added by the format readers). */
  electronicAddress?: PartyIdentifier | null;
  /** BT-32 seller tax registration (not VAT) identifier. */
  taxRegistrationId?: string | null;
};

export type PaymentInstructions = {
  meansCode: string | null; // BT-81
  iban: string | null; // BT-84
  bic: string | null; // BT-86
  accountName: string | null; // BT-85
  remittanceInfo: string | null; // BT-83
  terms: string | null; // BT-20
  /** BT-87 payment card primary account number (masked). */
  cardAccount?: string | null;
  /** BT-89 direct debit mandate reference. */
  mandateReference?: string | null;
};

export type DocumentTotals = {
  lineNet: DecimalString | null; // BT-106
  allowances: DecimalString | null; // BT-107
  charges: DecimalString | null; // BT-108
  taxExclusive: DecimalString | null; // BT-109
  tax: DecimalString | null; // BT-110
  taxInclusive: DecimalString | null; // BT-112
  prepaid: DecimalString | null; // BT-113
  rounding: DecimalString | null; // BT-114
  payable: DecimalString | null; // BT-115
};

export type VatBreakdown = {
  category: string | null; // BT-118
  rate: DecimalString | null; // BT-119
  taxableAmount: DecimalString | null; // BT-116
  taxAmount: DecimalString | null; // BT-117
  exemptionReason: string | null; // BT-120
  exemptionReasonCode: string | null; // BT-121
};

export type InvoiceLine = {
  id: string | null; // BT-126
  name: string | null; // BT-153
  description: string | null; // BT-154
  quantity: DecimalString | null; // BT-129
  unitCode: string | null; // BT-130
  netPrice: DecimalString | null; // BT-146
  netAmount: DecimalString | null; // BT-131
  vatCategory: string | null; // BT-151
  vatRate: DecimalString | null; // BT-152
  orderLineReference: string | null; // BT-132
  // Optional terms added by the format readers, used by the EN 16931 rules.
  grossPrice?: DecimalString | null; // BT-148
  priceBaseQuantity?: DecimalString | null; // BT-149
  periodStart?: IsoDate | null; // BT-134
  periodEnd?: IsoDate | null; // BT-135
  allowancesCharges?: DocumentAllowanceCharge[]; // BG-27 / BG-28
  standardId?: PartyIdentifier | null; // BT-157
  classifications?: PartyIdentifier[]; // BT-158
  attributes?: { name: string | null; value: string | null }[]; // BG-32
};

export type DocumentAllowanceCharge = {
  isCharge: boolean;
  amount: DecimalString | null; // BT-92 / BT-99
  reason: string | null; // BT-97 / BT-104
  vatCategory: string | null;
  vatRate: DecimalString | null;
  reasonCode?: string | null; // BT-98 / BT-105
  baseAmount?: DecimalString | null; // BT-93 / BT-100
  percentage?: DecimalString | null; // BT-94 / BT-101
};

/** A file carried with the invoice (BG-24, a pivot PJ, a PDF's embedded file). */
export type InvoiceAttachment = {
  filename: string;
  mimeType: string | null;
  size: number;
  sha256: string;
  description: string | null;
  /** Chorus pivot PJ type: "01" original invoice, "02" complementary attachment. */
  chorusType: string | null;
  /** BT-122 supporting document reference, when the attachment comes from BG-24. */
  reference?: string | null;
};

export type Invoice = {
  format: InvoiceFormat;
  /** BT-24 specification identifier, e.g. "urn:cen.eu:en16931:2017" or a Factur-X profile. */
  profile: string | null;
  documentType: DocumentType;
  typeCode: string | null; // BT-3
  number: string | null; // BT-1
  issueDate: IsoDate | null; // BT-2
  dueDate: IsoDate | null; // BT-9
  currency: string | null; // BT-5
  buyerReference: string | null; // BT-10: the Chorus service code
  orderReference: string | null; // BT-13: the engagement number
  contractReference: string | null; // BT-12: the marché
  projectReference: string | null; // BT-11
  precedingInvoices: string[]; // BT-25
  notes: string[]; // BT-22
  seller: Party;
  buyer: Party;
  payee: Party | null; // BG-10
  payment: PaymentInstructions;
  totals: DocumentTotals;
  vatBreakdown: VatBreakdown[];
  allowancesCharges: DocumentAllowanceCharge[];
  lines: InvoiceLine[];
  attachments: InvoiceAttachment[];
  /** Text extracted from the PDF rendition, for search (PDF-only and Factur-X). */
  text: string | null;
  /** True when no structured data was found: a PDF-only deposit ("sans métadonnée"). */
  withoutMetadata: boolean;
  // Optional terms added by the format readers (absent on models built elsewhere).
  businessProcess?: string | null; // BT-23
  taxCurrency?: string | null; // BT-6
  taxTotalInTaxCurrency?: DecimalString | null; // BT-111
  vatPointDate?: IsoDate | null; // BT-7
  vatPointDateCode?: string | null; // BT-8
  invoicingPeriod?: { start: IsoDate | null; end: IsoDate | null } | null; // BG-14
  delivery?: { date: IsoDate | null; countryCode: string | null; hasAddress: boolean } | null; // BG-13 / BG-15
  taxRepresentative?: Party | null; // BG-11
  /** BG-3 preceding invoices as found, including those missing their number (BR-55). */
  precedingInvoiceReferences?: { id: string | null; issueDate: IsoDate | null }[];
  /** Syntax facts the XML readers record for EN 16931 rules the model alone cannot decide. */
  syntax?: InvoiceSyntax;
};

/** What the XML said beyond the model: every coded value of a list, and groups given empty. */
export type InvoiceSyntax = {
  /** Root element of a UBL document: a CreditNote takes only credit note type codes (BR-CL-01). */
  root: 'Invoice' | 'CreditNote' | null;
  /** Every currencyID attribute of an amount (BR-CL-03). */
  amountCurrencies: string[];
  /** Every payment means type code BT-81, not only the first (BR-CL-16). */
  paymentMeansCodes: string[];
  /** Credit transfer accounts (BG-17) given without an account identifier BT-84 (BR-50). */
  accountsWithoutId: number;
  /** Payment means 30 or 58 (credit transfer) without an account identifier BT-84 (BR-61). */
  transfersWithoutAccountId: number;
  /** Line numbers (1-based) whose period BG-26 has neither start nor end date (BR-CO-20). */
  emptyLinePeriods: number[];
  /** Unit codes of price base quantities BT-150 (BR-CL-23; the invoiced quantities' are on the lines). */
  baseQuantityUnits: string[];
};

export function emptyParty(): Party {
  return {
    name: null,
    identifiers: [],
    legalId: null,
    legalIdScheme: null,
    vatId: null,
    siret: null,
    address: null,
  };
}

export function emptyTotals(): DocumentTotals {
  return {
    lineNet: null,
    allowances: null,
    charges: null,
    taxExclusive: null,
    tax: null,
    taxInclusive: null,
    prepaid: null,
    rounding: null,
    payable: null,
  };
}

export function emptyPayment(): PaymentInstructions {
  return { meansCode: null, iban: null, bic: null, accountName: null, remittanceInfo: null, terms: null };
}

/** The model of a PDF whose content could not be structured: identity from the file only. */
export function emptyInvoice(format: InvoiceFormat): Invoice {
  return {
    format,
    profile: null,
    documentType: 'invoice',
    typeCode: null,
    number: null,
    issueDate: null,
    dueDate: null,
    currency: null,
    buyerReference: null,
    orderReference: null,
    contractReference: null,
    projectReference: null,
    precedingInvoices: [],
    notes: [],
    seller: emptyParty(),
    buyer: emptyParty(),
    payee: null,
    payment: emptyPayment(),
    totals: emptyTotals(),
    vatBreakdown: [],
    allowancesCharges: [],
    lines: [],
    attachments: [],
    text: null,
    withoutMetadata: format === 'PDF',
  };
}

/** Credit-note type codes of UNTDID 1001 as used by EN 16931 (381 and its variants). */
const CREDIT_NOTE_TYPE_CODES = new Set(['81', '83', '261', '262', '296', '308', '381', '396', '420', '458', '532']);

export function documentTypeOf(typeCode: string | null): DocumentType {
  return typeCode !== null && CREDIT_NOTE_TYPE_CODES.has(typeCode.trim()) ? 'creditNote' : 'invoice';
}

/** A SIRET is 14 digits and passes the Luhn check (La Poste's SIRETs excepted by INSEE). */
export function isValidSiret(value: string): boolean {
  if (!/^\d{14}$/.test(value)) return false;
  if (value.startsWith('356000000')) {
    const sum = [...value].reduce((total, digit) => total + Number(digit), 0);
    return sum % 5 === 0;
  }
  return luhn(value);
}

export function isValidSiren(value: string): boolean {
  return /^\d{9}$/.test(value) && luhn(value);
}

/** The Luhn check used by SIREN and SIRET keys. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
