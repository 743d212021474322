// EN 16931 business rules on the canonical model: presence (BR-01…BR-65), consistency and
// arithmetic (BR-CO-*), VAT categories (BR-S/Z/E/AE/K/G/O/AF/AG/B-*), code lists (BR-CL-*) and
// decimals (BR-DEC-*, in codes.ts), plus the French public recipient rules (FR-PUB-*).
// BR-CO-05…08 (a reason code and its text name the same reason) are not machine-checkable: the
// official schematron asserts true() for them, and so do we, by not emitting them. Arithmetic is exact (Decimal); comparisons round to 2 decimals like the
// official schematron, and BR-CO-17 / BR-x-09 keep its tolerance of one currency unit.
import { isValidSiret, type DocumentAllowanceCharge, type Invoice, type InvoiceLine, type Party } from '../invoice.ts';
import { Decimal } from '../money.ts';
import { codeListRules, decimalRules } from './codes.ts';
import type { Emit, Finding, ValidationOptions } from './types.ts';

const d = (value: string | null | undefined): Decimal | null => Decimal.tryParse(value);
const r2 = (value: Decimal): Decimal => value.round(2);
const present = (value: string | null | undefined): boolean => value != null && value.trim() !== '';
const sum = (values: (Decimal | null)[]): Decimal => values.reduce<Decimal>((total, value) => (value ? total.add(value) : total), Decimal.ZERO);

/** MINIMUM and BASIC WL Factur-X profiles are not EN 16931 invoices: no lines, the PDF is the invoice. */
export function isHeaderOnlyProfile(profile: string | null): boolean {
  if (!profile) return false;
  const normalised = profile.toLowerCase();
  return /(^|[:#])minimum$/.test(normalised) || /basicwl$/.test(normalised);
}

export function validateInvoice(invoice: Invoice, options: ValidationOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const emit: Emit = (rule, bt, location, messageFr, messageEn, severity = 'fatal') => {
    findings.push({ rule, severity, bt, location, messageFr, messageEn });
  };
  if (invoice.withoutMetadata || invoice.format === 'PDF') {
    emit('LIASSE-PDF', 'BT-24', '/', 'Facture PDF sans métadonnée : aucune donnée structurée à contrôler.', 'PDF invoice without metadata: no structured data to check.', 'warning');
    if (options.frenchPublicRecipient) frenchRules(invoice, options, emit);
    return findings;
  }
  const headerOnly = isHeaderOnlyProfile(invoice.profile);
  if (headerOnly) {
    emit('LIASSE-PROFILE', 'BT-24', '/', `Profil ${invoice.profile} : données d'index seulement, le PDF fait foi ; règles des lignes non appliquées.`, `Profile ${invoice.profile}: index data only, the PDF is the invoice; line rules not applied.`, 'warning');
  }
  const pivot = invoice.format === 'PIVOT';
  if (!pivot) presenceRules(invoice, emit, headerOnly);
  else {
    if (!present(invoice.number)) emit('BR-02', 'BT-1', '/', 'Le numéro de facture est absent.', 'The invoice number is missing.');
    if (!present(invoice.issueDate)) emit('BR-03', 'BT-2', '/', "La date d'émission est absente.", 'The issue date is missing.');
    if (!present(invoice.currency)) emit('BR-05', 'BT-5', '/', 'La devise de la facture est absente.', 'The invoice currency is missing.');
  }
  if (!pivot) arithmeticRules(invoice, emit, headerOnly);
  else {
    const t = invoice.totals;
    const ht = d(t.taxExclusive);
    const ttc = d(t.taxInclusive);
    const tax = d(t.tax);
    if (ht && ttc && tax && !r2(ht.add(tax)).eq(r2(ttc))) {
      emit('BR-CO-15', 'BT-112', '/totals', `Le TTC (${t.taxInclusive}) ne vaut pas HT + TVA (${ht.add(tax).toString()}).`, `The total with VAT (${t.taxInclusive}) is not the total without VAT plus VAT (${ht.add(tax).toString()}).`);
    }
  }
  if (!pivot && !headerOnly) vatCategoryRules(invoice, emit);
  if (!pivot) {
    codeListRules(invoice, emit);
    decimalRules(invoice, emit);
  }
  // ZUGFeRD 1.0 predates EN 16931 and MINIMUM / BASIC WL are index data: their findings inform only.
  if (headerOnly || invoice.format === 'ZUGFERD1') {
    for (const finding of findings) finding.severity = 'warning';
    if (invoice.format === 'ZUGFERD1') {
      emit('LIASSE-ZF1', 'BT-24', '/', 'Facture ZUGFeRD 1.0, antérieure à la norme EN 16931 : écarts signalés pour information.', 'ZUGFeRD 1.0 invoice, older than EN 16931: deviations reported for information.', 'warning');
    }
  }
  if (options.frenchPublicRecipient) frenchRules(invoice, options, emit);
  return findings;
}

function partyHasAddress(party: Party): boolean {
  return party.address !== null;
}

function presenceRules(invoice: Invoice, emit: Emit, headerOnly: boolean): void {
  if (!present(invoice.profile)) emit('BR-01', 'BT-24', '/', "L'identifiant de spécification (BT-24) est absent.", 'The specification identifier (BT-24) is missing.');
  if (!present(invoice.number)) emit('BR-02', 'BT-1', '/', 'Le numéro de facture est absent.', 'The invoice number is missing.');
  if (!present(invoice.issueDate)) emit('BR-03', 'BT-2', '/', "La date d'émission est absente.", 'The issue date is missing.');
  if (!present(invoice.typeCode)) emit('BR-04', 'BT-3', '/', 'Le code de type de facture est absent.', 'The invoice type code is missing.');
  if (!present(invoice.currency)) emit('BR-05', 'BT-5', '/', 'La devise de la facture est absente.', 'The invoice currency is missing.');
  if (!present(invoice.seller.name)) emit('BR-06', 'BT-27', '/seller', 'La raison sociale du vendeur est absente.', "The seller's name is missing.");
  if (!present(invoice.buyer.name)) emit('BR-07', 'BT-44', '/buyer', "Le nom de l'acheteur est absent.", "The buyer's name is missing.");
  if (headerOnly) return;
  if (!partyHasAddress(invoice.seller)) emit('BR-08', 'BG-5', '/seller', "L'adresse postale du vendeur est absente.", "The seller's postal address is missing.");
  else if (!present(invoice.seller.address?.countryCode)) emit('BR-09', 'BT-40', '/seller/address', "Le code pays de l'adresse du vendeur est absent.", "The seller's country code is missing.");
  if (!partyHasAddress(invoice.buyer)) emit('BR-10', 'BG-8', '/buyer', "L'adresse postale de l'acheteur est absente.", "The buyer's postal address is missing.");
  else if (!present(invoice.buyer.address?.countryCode)) emit('BR-11', 'BT-55', '/buyer/address', "Le code pays de l'adresse de l'acheteur est absent.", "The buyer's country code is missing.");
  const t = invoice.totals;
  if (!present(t.lineNet)) emit('BR-12', 'BT-106', '/totals', 'La somme des montants nets des lignes est absente.', 'The sum of invoice line net amounts is missing.');
  if (!present(t.taxExclusive)) emit('BR-13', 'BT-109', '/totals', 'Le total HT est absent.', 'The invoice total without VAT is missing.');
  if (!present(t.taxInclusive)) emit('BR-14', 'BT-112', '/totals', 'Le total TTC est absent.', 'The invoice total with VAT is missing.');
  if (!present(t.payable)) emit('BR-15', 'BT-115', '/totals', 'Le montant à payer est absent.', 'The amount due for payment is missing.');
  if (invoice.lines.length === 0) emit('BR-16', 'BG-25', '/lines', 'La facture ne comporte aucune ligne.', 'The invoice has no line.');
  const payee = invoice.payee;
  if (payee && !present(payee.name)) emit('BR-17', 'BT-59', '/payee', 'Le nom du bénéficiaire du paiement est absent.', "The payee's name is missing.");
  const rep = invoice.taxRepresentative;
  if (rep) {
    if (!present(rep.name)) emit('BR-18', 'BT-62', '/taxRepresentative', 'Le nom du représentant fiscal est absent.', "The seller tax representative's name is missing.");
    if (!rep.address) emit('BR-19', 'BG-12', '/taxRepresentative', "L'adresse du représentant fiscal est absente.", "The tax representative's postal address is missing.");
    else if (!present(rep.address.countryCode)) emit('BR-20', 'BT-69', '/taxRepresentative/address', 'Le code pays du représentant fiscal est absent.', "The tax representative's country code is missing.");
    if (!present(rep.vatId)) emit('BR-56', 'BT-63', '/taxRepresentative', 'Le numéro de TVA du représentant fiscal est absent.', "The tax representative's VAT identifier is missing.");
  }
  invoice.lines.forEach((line, index) => lineRules(line, index + 1, emit));
  const period = invoice.invoicingPeriod;
  if (period) {
    if (!present(period.start) && !present(period.end)) emit('BR-CO-19', 'BG-14', '/invoicingPeriod', 'La période de facturation n’a ni début ni fin.', 'The invoicing period has neither start nor end date.');
    if (period.start && period.end && period.end < period.start) emit('BR-29', 'BT-74', '/invoicingPeriod', 'La fin de la période de facturation précède son début.', 'The invoicing period end date is before its start date.');
  }
  invoice.allowancesCharges.forEach((ac, index) => documentAllowanceChargeRules(ac, index + 1, emit));
  invoice.vatBreakdown.forEach((row, index) => {
    const at = `/vatBreakdown[${index + 1}]`;
    if (!present(row.taxableAmount)) emit('BR-45', 'BT-116', at, 'La base imposable de la ventilation de TVA est absente.', 'The VAT category taxable amount is missing.');
    if (!present(row.taxAmount)) emit('BR-46', 'BT-117', at, 'Le montant de TVA de la ventilation est absent.', 'The VAT category tax amount is missing.');
    if (!present(row.category)) emit('BR-47', 'BT-118', at, 'Le code de catégorie de TVA de la ventilation est absent.', 'The VAT category code is missing.');
    if (!present(row.rate) && row.category !== 'O') emit('BR-48', 'BT-119', at, 'Le taux de TVA de la ventilation est absent.', 'The VAT category rate is missing.');
  });
  const payment = invoice.payment;
  if ((invoice.syntax?.accountsWithoutId ?? 0) > 0) emit('BR-50', 'BT-84', '/payment', 'Un compte de virement (BG-17) est donné sans identifiant du compte de paiement (IBAN).', 'A credit transfer account (BG-17) is given without a payment account identifier.');
  for (const number of invoice.syntax?.emptyLinePeriods ?? []) {
    emit('BR-CO-20', 'BG-26', `/lines[${number}]`, 'La période de la ligne n’a ni date de début ni date de fin.', 'The invoice line period has neither start nor end date.');
  }
  const hasPaymentInstructions = present(payment.iban) || present(payment.bic) || present(payment.cardAccount) || present(payment.mandateReference);
  if (hasPaymentInstructions && !present(payment.meansCode)) emit('BR-49', 'BT-81', '/payment', 'Le code du moyen de paiement est absent.', 'The payment means type code is missing.');
  const transfer = payment.meansCode === '30' || payment.meansCode === '58';
  if (invoice.syntax ? invoice.syntax.transfersWithoutAccountId > 0 : transfer && !present(payment.iban)) {
    emit('BR-61', 'BT-84', '/payment', 'Virement sans identifiant du compte de paiement (IBAN).', 'Credit transfer without a payment account identifier (IBAN).');
  }
  if (payment.cardAccount != null && payment.cardAccount.replace(/\D/g, '').length < 4) emit('BR-51', 'BT-87', '/payment', 'Les derniers chiffres de la carte de paiement sont absents.', 'The last digits of the payment card number are missing.');
  invoice.attachments.forEach((attachment, index) => {
    if (attachment.chorusType === null && attachment.reference !== undefined && !present(attachment.reference)) {
      emit('BR-52', 'BT-122', `/attachments[${index + 1}]`, 'La référence du justificatif joint est absente.', 'The supporting document reference is missing.');
    }
  });
  if (present(invoice.taxCurrency) && invoice.taxCurrency !== invoice.currency && !present(invoice.taxTotalInTaxCurrency)) emit('BR-53', 'BT-111', '/totals', 'La devise de comptabilisation de la TVA est donnée sans le total de TVA dans cette devise.', 'A VAT accounting currency is given without the VAT total in that currency.');
  (invoice.precedingInvoiceReferences ?? []).forEach((reference, index) => {
    if (!present(reference.id)) emit('BR-55', 'BT-25', `/precedingInvoices[${index + 1}]`, 'La référence à une facture antérieure est vide.', 'A preceding invoice reference has no number.');
  });
  if (invoice.delivery?.hasAddress && !present(invoice.delivery.countryCode)) emit('BR-57', 'BT-80', '/delivery', "Le code pays de l'adresse de livraison est absent.", 'The deliver-to country code is missing.');
  if (invoice.seller.electronicAddress && !present(invoice.seller.electronicAddress.scheme)) emit('BR-62', 'BT-34', '/seller', "L'adresse électronique du vendeur n'a pas d'identifiant de schéma.", "The seller's electronic address has no scheme identifier.");
  if (invoice.buyer.electronicAddress && !present(invoice.buyer.electronicAddress.scheme)) emit('BR-63', 'BT-49', '/buyer', "L'adresse électronique de l'acheteur n'a pas d'identifiant de schéma.", "The buyer's electronic address has no scheme identifier.");
  if (present(invoice.vatPointDate) && present(invoice.vatPointDateCode)) emit('BR-CO-03', 'BT-7', '/', "La date d'exigibilité de la TVA et son code sont tous deux donnés.", 'The VAT point date and its code are both given.');
  if (!present(invoice.seller.vatId) && !present(invoice.seller.legalId) && invoice.seller.identifiers.length === 0) {
    emit('BR-CO-26', 'BT-29', '/seller', "Le vendeur n'a ni identifiant, ni numéro d'immatriculation, ni numéro de TVA.", 'The seller has no identifier, legal registration or VAT identifier.');
  }
  for (const [party, where, bt] of [[invoice.seller, '/seller', 'BT-31'], [invoice.buyer, '/buyer', 'BT-48']] as const) {
    if (party.vatId && !/^[A-Z]{2}/.test(party.vatId)) emit('BR-CO-09', bt, where, 'Le numéro de TVA ne commence pas par un code pays.', 'The VAT identifier does not start with a country code.');
  }
  const payable = d(invoice.totals.payable);
  // For a credit note the amount is owed to the buyer: no due date is required of the seller.
  if (invoice.documentType === 'invoice' && payable && payable.compare(Decimal.ZERO) > 0 && !present(invoice.dueDate) && !present(invoice.payment.terms)) {
    emit('BR-CO-25', 'BT-9', '/', "Montant à payer positif sans date d'échéance ni conditions de paiement.", 'Positive amount due without a payment due date or payment terms.');
  }
}

function lineRules(line: InvoiceLine, number: number, emit: Emit): void {
  const at = `/lines[${number}]`;
  if (!present(line.id)) emit('BR-21', 'BT-126', at, "L'identifiant de la ligne est absent.", 'The invoice line identifier is missing.');
  if (!present(line.quantity)) emit('BR-22', 'BT-129', at, 'La quantité facturée de la ligne est absente.', 'The invoiced quantity of the line is missing.');
  if (!present(line.unitCode)) emit('BR-23', 'BT-130', at, "L'unité de mesure de la quantité est absente.", 'The unit of measure of the invoiced quantity is missing.');
  if (!present(line.netAmount)) emit('BR-24', 'BT-131', at, 'Le montant net de la ligne est absent.', 'The invoice line net amount is missing.');
  if (!present(line.name)) emit('BR-25', 'BT-153', at, "Le nom de l'article est absent.", 'The item name is missing.');
  if (!present(line.netPrice)) emit('BR-26', 'BT-146', at, "Le prix net de l'article est absent.", 'The item net price is missing.');
  const net = d(line.netPrice);
  if (!net || net.isNegative()) emit('BR-27', 'BT-146', at, "Le prix net de l'article est négatif ou absent.", 'The item net price is negative or missing.');
  const gross = d(line.grossPrice);
  if (gross && gross.isNegative()) emit('BR-28', 'BT-148', at, "Le prix brut de l'article est négatif.", 'The item gross price is negative.');
  if (line.periodStart && line.periodEnd && line.periodEnd < line.periodStart) emit('BR-30', 'BT-135', at, 'La fin de la période de la ligne précède son début.', 'The line period end date is before its start date.');
  if (!present(line.vatCategory)) emit('BR-CO-04', 'BT-151', at, 'La catégorie de TVA de la ligne est absente.', 'The VAT category code of the line is missing.');
  (line.allowancesCharges ?? []).forEach((ac, index) => {
    const where = `${at}/allowanceCharge[${index + 1}]`;
    if (ac.isCharge) {
      if (!present(ac.amount)) emit('BR-43', 'BT-141', where, 'Le montant de la charge de ligne est absent.', 'The invoice line charge amount is missing.');
      if (!present(ac.reason) && !present(ac.reasonCode)) {
      emit('BR-44', 'BT-144', where, 'Le motif de la charge de ligne est absent.', 'The invoice line charge reason is missing.');
      emit('BR-CO-24', 'BT-145', where, 'Ni motif ni code motif.', 'Neither a reason nor a reason code.');
    }
    } else {
      if (!present(ac.amount)) emit('BR-41', 'BT-136', where, 'Le montant de la remise de ligne est absent.', 'The invoice line allowance amount is missing.');
      if (!present(ac.reason) && !present(ac.reasonCode)) {
      emit('BR-42', 'BT-139', where, 'Le motif de la remise de ligne est absent.', 'The invoice line allowance reason is missing.');
      emit('BR-CO-23', 'BT-140', where, 'Ni motif ni code motif.', 'Neither a reason nor a reason code.');
    }
    }
  });
  (line.attributes ?? []).forEach((attribute, index) => {
    if (!present(attribute.name) || !present(attribute.value)) emit('BR-54', 'BT-160', `${at}/attributes[${index + 1}]`, "Un attribut d'article n'a pas de nom ou de valeur.", 'An item attribute has no name or no value.');
  });
  if (line.standardId && !present(line.standardId.scheme)) emit('BR-64', 'BT-157', at, "L'identifiant standard de l'article n'a pas de schéma.", 'The item standard identifier has no scheme identifier.');
  (line.classifications ?? []).forEach((classification) => {
    if (!present(classification.scheme)) emit('BR-65', 'BT-158', at, "Le code de classification de l'article n'a pas d'identifiant de liste.", 'The item classification identifier has no scheme identifier.');
  });
}

function documentAllowanceChargeRules(ac: DocumentAllowanceCharge, number: number, emit: Emit): void {
  const at = `/allowancesCharges[${number}]`;
  if (ac.isCharge) {
    if (!present(ac.amount)) emit('BR-36', 'BT-99', at, 'Le montant de la charge est absent.', 'The document level charge amount is missing.');
    if (!present(ac.vatCategory)) emit('BR-37', 'BT-102', at, 'La catégorie de TVA de la charge est absente.', 'The document level charge VAT category code is missing.');
    if (!present(ac.reason) && !present(ac.reasonCode)) {
      emit('BR-38', 'BT-104', at, 'Le motif de la charge est absent.', 'The document level charge reason is missing.');
      emit('BR-CO-22', 'BT-105', at, 'Ni motif ni code motif.', 'Neither a reason nor a reason code.');
    }
  } else {
    if (!present(ac.amount)) emit('BR-31', 'BT-92', at, 'Le montant de la remise est absent.', 'The document level allowance amount is missing.');
    if (!present(ac.vatCategory)) emit('BR-32', 'BT-95', at, 'La catégorie de TVA de la remise est absente.', 'The document level allowance VAT category code is missing.');
    if (!present(ac.reason) && !present(ac.reasonCode)) {
      emit('BR-33', 'BT-97', at, 'Le motif de la remise est absent.', 'The document level allowance reason is missing.');
      emit('BR-CO-21', 'BT-98', at, 'Ni motif ni code motif.', 'Neither a reason nor a reason code.');
    }
  }
}

// Like the official schematron, each total is compared as written with the rounded (2 decimals)
// result of the others, and a required total that is absent breaks its consistency rule too.
function arithmeticRules(invoice: Invoice, emit: Emit, headerOnly: boolean): void {
  const t = invoice.totals;
  const lineNet = d(t.lineNet);
  if (!headerOnly) {
    const lines = sum(invoice.lines.map((line) => d(line.netAmount)));
    if (!lineNet || !lineNet.eq(r2(lines))) emit('BR-CO-10', 'BT-106', '/totals', `La somme des lignes (${t.lineNet ?? 'absente'}) ne vaut pas le total des montants nets (${lines.toString()}).`, `The sum of line net amounts (${t.lineNet ?? 'missing'}) does not equal the lines' total (${lines.toString()}).`);
  }
  const allowances = invoice.allowancesCharges.filter((ac) => !ac.isCharge);
  const charges = invoice.allowancesCharges.filter((ac) => ac.isCharge);
  const allowanceTotal = sum(allowances.map((ac) => d(ac.amount)));
  const chargeTotal = sum(charges.map((ac) => d(ac.amount)));
  const bt107 = d(t.allowances);
  const bt108 = d(t.charges);
  if ((bt107 && !bt107.eq(r2(allowanceTotal))) || (!bt107 && allowances.length > 0 && !headerOnly)) {
    emit('BR-CO-11', 'BT-107', '/totals', `Le total des remises (${t.allowances ?? 'absent'}) ne vaut pas la somme des remises (${allowanceTotal.toString()}).`, `The sum of allowances (${t.allowances ?? 'missing'}) does not equal the allowances' total (${allowanceTotal.toString()}).`);
  }
  if ((bt108 && !bt108.eq(r2(chargeTotal))) || (!bt108 && charges.length > 0 && !headerOnly)) {
    emit('BR-CO-12', 'BT-108', '/totals', `Le total des charges (${t.charges ?? 'absent'}) ne vaut pas la somme des charges (${chargeTotal.toString()}).`, `The sum of charges (${t.charges ?? 'missing'}) does not equal the charges' total (${chargeTotal.toString()}).`);
  }
  const taxExclusive = d(t.taxExclusive);
  const expectedExclusive = lineNet ? r2(lineNet.sub(bt107 ?? Decimal.ZERO).add(bt108 ?? Decimal.ZERO)) : null;
  if (!taxExclusive || !expectedExclusive || !taxExclusive.eq(expectedExclusive)) {
    emit('BR-CO-13', 'BT-109', '/totals', `Le total HT (${t.taxExclusive ?? 'absent'}) ne vaut pas lignes − remises + charges (${expectedExclusive?.toString() ?? 'incalculable'}).`, `The total without VAT (${t.taxExclusive ?? 'missing'}) does not equal lines − allowances + charges (${expectedExclusive?.toString() ?? 'not computable'}).`);
  }
  const tax = d(t.tax);
  if (!headerOnly && tax && invoice.vatBreakdown.length > 0) {
    const breakdown = r2(sum(invoice.vatBreakdown.map((row) => d(row.taxAmount))));
    if (!tax.eq(breakdown)) emit('BR-CO-14', 'BT-110', '/totals', `Le total de TVA (${t.tax}) ne vaut pas la somme de la ventilation (${breakdown.toString()}).`, `The VAT total (${t.tax}) does not equal the sum of the VAT breakdown (${breakdown.toString()}).`);
  }
  const taxInclusive = d(t.taxInclusive);
  const expectedInclusive = taxExclusive ? r2(taxExclusive.add(tax ?? Decimal.ZERO)) : null;
  if (!taxInclusive || !expectedInclusive || !taxInclusive.eq(expectedInclusive)) {
    emit('BR-CO-15', 'BT-112', '/totals', `Le total TTC (${t.taxInclusive ?? 'absent'}) ne vaut pas HT + TVA (${expectedInclusive?.toString() ?? 'incalculable'}).`, `The total with VAT (${t.taxInclusive ?? 'missing'}) does not equal the total without VAT plus VAT (${expectedInclusive?.toString() ?? 'not computable'}).`);
  }
  const payable = d(t.payable);
  const rounding = d(t.rounding);
  const prepaid = d(t.prepaid);
  const due = taxInclusive ? (prepaid ? r2(taxInclusive.sub(prepaid)) : taxInclusive) : null;
  const payableOk = payable && due && (rounding ? r2(payable.sub(rounding)).eq(due) : payable.eq(due));
  if (!payableOk) {
    const expected = due ? (rounding ? due.add(rounding) : due).toString() : null;
    emit('BR-CO-16', 'BT-115', '/totals', `Le montant à payer (${t.payable ?? 'absent'}) ne vaut pas TTC − acomptes + arrondi (${expected ?? 'incalculable'}).`, `The amount due (${t.payable ?? 'missing'}) does not equal total with VAT − paid + rounding (${expected ?? 'not computable'}).`);
  }
  if (!headerOnly && invoice.vatBreakdown.length === 0) emit('BR-CO-18', 'BG-23', '/vatBreakdown', 'La facture ne comporte aucune ventilation de TVA.', 'The invoice has no VAT breakdown.');
  invoice.vatBreakdown.forEach((row, index) => {
    const base = d(row.taxableAmount);
    const rate = d(row.rate);
    const amount = d(row.taxAmount);
    // BR-48 lets a not-subject-to-VAT row omit its rate: nothing to compute then.
    if (row.category === 'O' && rate === null) return;
    const at = `/vatBreakdown[${index + 1}]`;
    let ok: boolean;
    let expected: Decimal | null = null;
    if (!rate || !amount) ok = false;
    else if (rate.round(0).isZero()) ok = amount.round(0).isZero();
    else if (!base) ok = false;
    else {
      expected = r2(base.abs().mul(rate).div(Decimal.fromInteger(100), 4));
      ok = amount.abs().sub(expected).abs().compare(Decimal.fromInteger(1)) < 0;
    }
    if (!ok) {
      emit('BR-CO-17', 'BT-117', at, `La TVA de la ventilation (${row.taxAmount ?? 'absente'}) ne vaut pas base × taux (${expected?.toString() ?? 'incalculable'}).`, `The VAT category tax amount (${row.taxAmount ?? 'missing'}) does not equal taxable amount × rate (${expected?.toString() ?? 'not computable'}).`);
    }
  });
}

type CategoryUse = { lines: InvoiceLine[]; allowances: DocumentAllowanceCharge[]; charges: DocumentAllowanceCharge[] };

const CATEGORY_PREFIX: Record<string, string> = { S: 'BR-S', Z: 'BR-Z', E: 'BR-E', AE: 'BR-AE', K: 'BR-IC', G: 'BR-G', O: 'BR-O', L: 'BR-AF', M: 'BR-AG' };
const CATEGORY_NAME: Record<string, [string, string]> = {
  S: ['taux normal', 'standard rated'],
  Z: ['taux zéro', 'zero rated'],
  E: ['exonérée', 'exempt from VAT'],
  AE: ['autoliquidation', 'reverse charge'],
  K: ['livraison intracommunautaire', 'intra-community supply'],
  G: ['exportation hors UE', 'export outside the EU'],
  O: ['hors champ de la TVA', 'not subject to VAT'],
  L: ['IGIC des Canaries', 'Canary Islands IGIC'],
  M: ['IPSI de Ceuta et Melilla', 'Ceuta and Melilla IPSI'],
};
/** Categories whose rate varies (per-rate breakdown rows, tax = base × rate, no exemption reason). */
const RATED = new Set(['S', 'L', 'M']);
const ONE = Decimal.fromInteger(1);

function vatCategoryRules(invoice: Invoice, emit: Emit): void {
  const uses = new Map<string, CategoryUse>();
  const use = (category: string | null | undefined): CategoryUse | null => {
    if (!category) return null;
    let entry = uses.get(category);
    if (!entry) {
      entry = { lines: [], allowances: [], charges: [] };
      uses.set(category, entry);
    }
    return entry;
  };
  for (const line of invoice.lines) use(line.vatCategory)?.lines.push(line);
  for (const ac of invoice.allowancesCharges) {
    const entry = use(ac.vatCategory);
    if (entry) (ac.isCharge ? entry.charges : entry.allowances).push(ac);
  }
  const seller = invoice.seller;
  const buyer = invoice.buyer;
  const representativeVat = present(invoice.taxRepresentative?.vatId);
  // S, Z, E, AE, L, M accept any seller tax identifier; K and G want a VAT identifier.
  const sellerAny = present(seller.vatId) || present(seller.taxRegistrationId) || representativeVat;
  const sellerVat = present(seller.vatId) || representativeVat;
  const identifiersOk: Record<string, boolean> = {
    S: sellerAny,
    Z: sellerAny,
    E: sellerAny,
    L: sellerAny,
    M: sellerAny,
    AE: sellerAny && (present(buyer.vatId) || present(buyer.legalId)),
    K: sellerVat && present(buyer.vatId),
    G: sellerVat,
    O: !present(seller.vatId) && !representativeVat && !present(buyer.vatId),
  };
  for (const [category, prefix] of Object.entries(CATEGORY_PREFIX)) {
    const entry = uses.get(category);
    const rows = invoice.vatBreakdown.map((row, index) => ({ row, index })).filter(({ row }) => row.category === category);
    const [fr, en] = CATEGORY_NAME[category]!;
    if (!entry && rows.length === 0) continue;
    // S, L, M: items and rows go together; the other categories take exactly one row once used.
    const breakdownMissing = RATED.has(category) ? (entry !== undefined) !== (rows.length > 0) : rows.length !== 1;
    if (breakdownMissing) {
      emit(`${prefix}-01`, 'BG-23', '/vatBreakdown', `Les éléments en catégorie ${category} (${fr}) et les ventilations de TVA ${category} ne se correspondent pas (${rows.length} ventilation(s)).`, `Items in VAT category ${category} (${en}) and ${category} VAT breakdowns do not match (${rows.length} breakdown(s)).`);
    }
    // 02–04: the identifiers each category requires (O forbids them instead), for lines,
    // allowances and charges respectively.
    if (entry && !identifiersOk[category]) {
      const [needFr, needEn] =
        category === 'O'
          ? ['ne doit porter aucun numéro de TVA (vendeur, représentant fiscal, acheteur)', 'must carry no VAT identifier (seller, tax representative, buyer)']
          : category === 'AE'
            ? ["exige le numéro de TVA du vendeur (ou de son représentant) et le numéro de TVA ou d'immatriculation de l'acheteur", "requires the seller's (or tax representative's) VAT identifier and the buyer's VAT or legal registration identifier"]
            : category === 'K'
              ? ["exige le numéro de TVA du vendeur (ou de son représentant) et celui de l'acheteur", "requires the seller's (or tax representative's) VAT identifier and the buyer's VAT identifier"]
              : category === 'G'
                ? ['exige le numéro de TVA du vendeur ou de son représentant fiscal', "requires the seller's or tax representative's VAT identifier"]
                : ["exige un identifiant fiscal du vendeur (TVA, immatriculation fiscale) ou le numéro de TVA de son représentant", "requires a seller tax identifier (VAT, tax registration) or the tax representative's VAT identifier"];
      const kinds: [unknown[], string, string, string, string][] = [
        [entry.lines, '02', 'BT-151', 'Une ligne', 'An invoice line'],
        [entry.allowances, '03', 'BT-95', 'Une remise', 'A document level allowance'],
        [entry.charges, '04', 'BT-102', 'Une charge', 'A document level charge'],
      ];
      for (const [items, number, bt, whoFr, whoEn] of kinds) {
        if (items.length === 0) continue;
        const where = category === 'O' || category === 'AE' || category === 'K' ? '/' : '/seller';
        emit(`${prefix}-${number}`, bt, where, `${whoFr} en catégorie ${category} (${fr}) ${needFr}.`, `${whoEn} in VAT category ${category} (${en}) ${needEn}.`);
      }
    }
    // 05–07: rates of lines, allowances, charges.
    const rateRule = (value: string | null, rule: string, bt: string, where: string): void => {
      const rate = d(value);
      if (category === 'O') {
        if (value !== null) emit(rule, bt, where, 'Un élément hors champ de la TVA porte un taux de TVA.', 'An item not subject to VAT carries a VAT rate.');
      } else if (category === 'S') {
        if (!rate || rate.compare(Decimal.ZERO) <= 0) emit(rule, bt, where, 'Un élément au taux normal a un taux nul ou absent.', 'A standard rated item has a zero or missing VAT rate.');
      } else if (category === 'L' || category === 'M') {
        if (!rate || rate.isNegative()) emit(rule, bt, where, `Un élément en catégorie ${category} (${fr}) a un taux absent ou négatif.`, `An item in VAT category ${category} (${en}) has a missing or negative rate.`);
      } else if (!rate || !rate.isZero()) {
        emit(rule, bt, where, `Un élément en catégorie ${category} a un taux différent de 0.`, `An item in VAT category ${category} has a rate other than 0.`);
      }
    };
    entry?.lines.forEach((line) => rateRule(line.vatRate, `${prefix}-05`, 'BT-152', `/lines[${invoice.lines.indexOf(line) + 1}]`));
    entry?.allowances.forEach((ac) => rateRule(ac.vatRate, `${prefix}-06`, 'BT-96', `/allowancesCharges[${invoice.allowancesCharges.indexOf(ac) + 1}]`));
    entry?.charges.forEach((ac) => rateRule(ac.vatRate, `${prefix}-07`, 'BT-103', `/allowancesCharges[${invoice.allowancesCharges.indexOf(ac) + 1}]`));
    // 08–10: the breakdown rows of this category.
    const rated = RATED.has(category);
    for (const { row, index } of rows) {
      const at = `/vatBreakdown[${index + 1}]`;
      const rowRate = d(row.rate);
      // Rated categories have one row per rate (within one unit, like the schematron); the others
      // one row for all their items, exact.
      const sameRate = (value: string | null): boolean => !rated || (rowRate !== null && d(value) !== null && d(value)!.eq(rowRate));
      const lines = (entry?.lines ?? []).filter((line) => sameRate(line.vatRate));
      const allowances = (entry?.allowances ?? []).filter((ac) => sameRate(ac.vatRate));
      const charges = (entry?.charges ?? []).filter((ac) => sameRate(ac.vatRate));
      const expected = sum(lines.map((line) => d(line.netAmount))).add(sum(charges.map((ac) => d(ac.amount)))).sub(sum(allowances.map((ac) => d(ac.amount))));
      const base = d(row.taxableAmount);
      // The schematron fails this rule on an invoice without lines or a row without base.
      if (!(rated && rowRate === null) && (!base || invoice.lines.length === 0 || (rated ? base.sub(expected).abs().compare(ONE) >= 0 : !base.eq(expected)))) {
        emit(`${prefix}-08`, 'BT-116', at, `La base imposable ${category} (${row.taxableAmount ?? 'absente'}) ne vaut pas lignes + charges − remises de cette catégorie (${expected.toString()}).`, `The ${category} taxable amount (${row.taxableAmount ?? 'missing'}) does not equal lines + charges − allowances of that category (${expected.toString()}).`);
      }
      const amount = d(row.taxAmount);
      if (rated) {
        if (!base || !rowRate || !amount) {
          emit(`${prefix}-09`, 'BT-117', at, `La ventilation ${category} n'a pas de base, de taux ou de montant de TVA : la TVA ne peut être vérifiée.`, `The ${category} VAT breakdown lacks its taxable amount, rate or tax amount: the VAT cannot be checked.`);
        } else {
          const computed = r2(base.abs().mul(rowRate).div(Decimal.fromInteger(100), 4));
          if (amount.abs().sub(computed).abs().compare(ONE) >= 0) emit(`${prefix}-09`, 'BT-117', at, `La TVA de la catégorie ${category} (${row.taxAmount}) ne vaut pas base × taux (${computed.toString()}).`, `The ${category} VAT amount (${row.taxAmount}) does not equal taxable amount × rate (${computed.toString()}).`);
        }
      } else if (amount && !amount.isZero()) {
        emit(`${prefix}-09`, 'BT-117', at, `Le montant de TVA de la catégorie ${category} n'est pas nul.`, `The VAT amount of category ${category} is not zero.`);
      }
      const hasReason = present(row.exemptionReason) || present(row.exemptionReasonCode);
      const noReason = rated || category === 'Z';
      if (noReason && hasReason) {
        emit(`${prefix}-10`, 'BT-120', at, `Une ventilation ${category} ne doit pas porter de motif d'exonération.`, `A ${category} VAT breakdown must not carry an exemption reason.`);
      }
      if (!noReason && !hasReason) {
        emit(`${prefix}-10`, 'BT-120', at, `La ventilation ${category} (${fr}) n'indique pas de motif d'exonération.`, `The ${category} (${en}) VAT breakdown gives no exemption reason.`);
      }
    }
    if (category === 'K' && entry) {
      if (!present(invoice.delivery?.date) && !invoice.invoicingPeriod) emit('BR-IC-11', 'BT-72', '/delivery', 'Livraison intracommunautaire sans date de livraison ni période de facturation.', 'Intra-community supply without an actual delivery date or invoicing period.');
      if (!present(invoice.delivery?.countryCode)) emit('BR-IC-12', 'BT-80', '/delivery', 'Livraison intracommunautaire sans pays de livraison.', 'Intra-community supply without a deliver-to country code.');
    }
    if (category === 'O' && rows.length > 0) {
      const others = [...uses.keys()].filter((other) => other !== 'O');
      if (invoice.vatBreakdown.some((row) => row.category !== 'O')) emit('BR-O-11', 'BG-23', '/vatBreakdown', 'Une facture hors champ de la TVA ne peut avoir d’autre ventilation de TVA.', 'An invoice not subject to VAT cannot have another VAT breakdown.');
      if (others.length > 0) {
        const other = uses.get(others[0]!)!;
        if (other.lines.length > 0) emit('BR-O-12', 'BT-151', '/lines', 'Une facture hors champ de la TVA a des lignes d’une autre catégorie.', 'An invoice not subject to VAT has lines of another category.');
        if (other.allowances.length > 0) emit('BR-O-13', 'BT-95', '/allowancesCharges', 'Une facture hors champ de la TVA a des remises d’une autre catégorie.', 'An invoice not subject to VAT has allowances of another category.');
        if (other.charges.length > 0) emit('BR-O-14', 'BT-102', '/allowancesCharges', 'Une facture hors champ de la TVA a des charges d’une autre catégorie.', 'An invoice not subject to VAT has charges of another category.');
      }
    }
  }
  splitPaymentRules(invoice, emit);
}

/** BR-B-*: Italian split payment (category B), domestic only and never beside standard rate. */
function splitPaymentRules(invoice: Invoice, emit: Emit): void {
  const categories = new Set<string>();
  for (const line of invoice.lines) if (line.vatCategory) categories.add(line.vatCategory);
  for (const ac of invoice.allowancesCharges) if (ac.vatCategory) categories.add(ac.vatCategory);
  for (const row of invoice.vatBreakdown) if (row.category) categories.add(row.category);
  if (!categories.has('B')) return;
  const countries = [invoice.seller.address?.countryCode, invoice.buyer.address?.countryCode, invoice.taxRepresentative?.address?.countryCode, invoice.delivery?.countryCode];
  if (countries.some((code) => present(code) && code!.trim() !== 'IT')) {
    emit('BR-B-01', 'BT-151', '/', 'Le paiement fractionné (catégorie B) n’est admis que pour une facture intérieure italienne.', 'Split payment (category B) is only allowed on a domestic Italian invoice.');
  }
  if (categories.has('S')) {
    emit('BR-B-02', 'BT-151', '/', 'Une facture en paiement fractionné (catégorie B) ne peut comporter d’éléments au taux normal (S).', 'An invoice with split payment (category B) cannot contain standard rated (S) items.');
  }
}

function frenchRules(invoice: Invoice, options: ValidationOptions, emit: Emit): void {
  const rules = options.frenchPublicRecipient!;
  const buyer = invoice.buyer;
  const siret = buyer.siret ?? buyer.identifiers.find((identifier) => identifier.scheme === '0009')?.id ?? (buyer.legalId && /^\d{14}$/.test(buyer.legalId) ? buyer.legalId : null);
  if (!siret) {
    emit('FR-PUB-01', 'BT-46', '/buyer', "Le SIRET de l'acheteur public (BT-46, schéma 0009) est absent.", "The public buyer's SIRET (BT-46, scheme 0009) is missing.");
  } else if (!isValidSiret(siret)) {
    emit('FR-PUB-01', 'BT-46', '/buyer', `Le SIRET de l'acheteur public (${siret}) n'est pas valide.`, `The public buyer's SIRET (${siret}) is not valid.`);
  }
  if (rules.requireServiceCode && !present(invoice.buyerReference)) {
    emit('FR-PUB-02', 'BT-10', '/', 'Le code service exécutant (BT-10) est obligatoire pour cette structure et absent.', 'The service code (BT-10) is required by this structure and missing.');
  }
  if (present(invoice.buyerReference) && invoice.buyerReference!.length > 100) {
    emit('FR-PUB-04', 'BT-10', '/', 'Le code service dépasse 100 caractères.', 'The service code is longer than 100 characters.');
  }
  if (rules.requireEngagement && !present(invoice.orderReference)) {
    emit('FR-PUB-03', 'BT-13', '/', "Le numéro d'engagement juridique (BT-13) est obligatoire pour cette structure et absent.", 'The commitment (engagement) number (BT-13) is required by this structure and missing.');
  }
}
