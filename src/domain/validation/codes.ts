// EN 16931 code-list rules (BR-CL-*) and decimal rules (BR-DEC-*) on the canonical model. Codes are
// compared as written (trimmed), like the official schematron's normalize-space(); amounts keep the
// digits the document wrote, so "12.500" has three decimals even though it equals 12.50.
import type { Invoice } from '../invoice.ts';
import {
  isCountryCode,
  isCreditNoteTypeCode,
  isCurrencyCode,
  isInvoiceTypeCode,
  isPaymentMeansCode,
  isUnitCode,
  isVatCategoryCode,
  isVatPointDateCode,
} from './codelists.ts';
import type { Emit } from './types.ts';

const quote = (value: string): string => (value.length > 40 ? `${value.slice(0, 40)}…` : value);

export function codeListRules(invoice: Invoice, emit: Emit): void {
  const syntax = invoice.syntax;
  const type = invoice.typeCode?.trim();
  if (type) {
    // A UBL CreditNote takes only credit note codes; a UBL Invoice every code but those (81 is in
    // both lists); CII has one list for both.
    const root = syntax?.root ?? null;
    const known = root === 'CreditNote' ? isCreditNoteTypeCode(type) : isInvoiceTypeCode(type) && (root !== 'Invoice' || type === '81' || !isCreditNoteTypeCode(type));
    if (!known) {
      emit('BR-CL-01', 'BT-3', '/typeCode', `Le code de type de facture « ${quote(type)} » n'appartient pas à la liste UNTDID 1001 admise par la norme.`, `The invoice type code "${quote(type)}" is not in the UNTDID 1001 subset of the standard.`);
    }
  }
  for (const currency of syntax?.amountCurrencies ?? []) {
    if (!isCurrencyCode(currency)) emit('BR-CL-03', 'BT-5', '/totals', `La devise « ${quote(currency)} » d'un montant n'est pas un code ISO 4217.`, `The currency "${quote(currency)}" of an amount is not an ISO 4217 code.`);
  }
  if (invoice.currency && !isCurrencyCode(invoice.currency.trim())) {
    emit('BR-CL-04', 'BT-5', '/currency', `La devise de la facture « ${quote(invoice.currency)} » n'est pas un code ISO 4217.`, `The invoice currency "${quote(invoice.currency)}" is not an ISO 4217 code.`);
  }
  if (invoice.taxCurrency && !isCurrencyCode(invoice.taxCurrency.trim())) {
    emit('BR-CL-05', 'BT-6', '/taxCurrency', `La devise de comptabilisation de la TVA « ${quote(invoice.taxCurrency)} » n'est pas un code ISO 4217.`, `The VAT accounting currency "${quote(invoice.taxCurrency)}" is not an ISO 4217 code.`);
  }
  // UBL writes BT-8 with UNTDID 2005 (3, 35, 432), CII with UNTDID 2475 (5, 29, 72).
  const cii = invoice.format === 'CII' || invoice.format === 'FACTURX' || invoice.format === 'ZUGFERD1';
  if (invoice.vatPointDateCode && !isVatPointDateCode(invoice.vatPointDateCode.trim(), cii)) {
    const allowed = cii ? '5, 29 ou 72 (UNTDID 2475)' : '3, 35 ou 432 (UNTDID 2005)';
    emit('BR-CL-06', 'BT-8', '/vatPointDateCode', `Le code de date d'exigibilité de la TVA « ${quote(invoice.vatPointDateCode)} » n'est pas ${allowed}.`, `The VAT point date code "${quote(invoice.vatPointDateCode)}" is not ${allowed.replace(' ou ', ' or ')}.`);
  }
  const countries: [string | null | undefined, string, string][] = [
    [invoice.seller.address?.countryCode, 'BT-40', '/seller/address'],
    [invoice.buyer.address?.countryCode, 'BT-55', '/buyer/address'],
    [invoice.taxRepresentative?.address?.countryCode, 'BT-69', '/taxRepresentative/address'],
    [invoice.delivery?.countryCode, 'BT-80', '/delivery'],
  ];
  for (const [code, bt, location] of countries) {
    if (code && !isCountryCode(code.trim())) emit('BR-CL-14', bt, location, `Le code pays « ${quote(code)} » n'est pas un code ISO 3166-1 alpha-2.`, `The country code "${quote(code)}" is not an ISO 3166-1 alpha-2 code.`);
  }
  const means = syntax ? syntax.paymentMeansCodes : invoice.payment.meansCode ? [invoice.payment.meansCode] : [];
  for (const code of means) {
    if (!isPaymentMeansCode(code.trim())) emit('BR-CL-16', 'BT-81', '/payment', `Le code de moyen de paiement « ${quote(code)} » n'appartient pas à la liste UNTDID 4461.`, `The payment means code "${quote(code)}" is not in the UNTDID 4461 list.`);
  }
  const category = (code: string | null, rule: 'BR-CL-17' | 'BR-CL-18', bt: string, location: string): void => {
    if (code && !isVatCategoryCode(code.trim())) emit(rule, bt, location, `Le code de catégorie de TVA « ${quote(code)} » n'appartient pas à la liste UNTDID 5305.`, `The VAT category code "${quote(code)}" is not in the UNTDID 5305 list.`);
  };
  invoice.allowancesCharges.forEach((ac, index) => category(ac.vatCategory, 'BR-CL-17', ac.isCharge ? 'BT-102' : 'BT-95', `/allowancesCharges[${index + 1}]`));
  invoice.vatBreakdown.forEach((row, index) => category(row.category, 'BR-CL-17', 'BT-118', `/vatBreakdown[${index + 1}]`));
  invoice.lines.forEach((line, index) => category(line.vatCategory, 'BR-CL-18', 'BT-151', `/lines[${index + 1}]`));
  invoice.lines.forEach((line, index) => {
    if (line.unitCode && !isUnitCode(line.unitCode.trim())) {
      emit('BR-CL-23', 'BT-130', `/lines[${index + 1}]`, `L'unité de mesure « ${quote(line.unitCode)} » n'appartient pas aux recommandations 20 et 21 de la CEE-ONU.`, `The unit of measure "${quote(line.unitCode)}" is not in UN/ECE Recommendations 20 and 21.`);
    }
  });
  for (const unit of syntax?.baseQuantityUnits ?? []) {
    if (!isUnitCode(unit)) emit('BR-CL-23', 'BT-150', '/lines', `L'unité de la quantité de base du prix « ${quote(unit)} » n'appartient pas aux recommandations 20 et 21 de la CEE-ONU.`, `The price base quantity unit "${quote(unit)}" is not in UN/ECE Recommendations 20 and 21.`);
  }
}

/** Digits after the decimal point, as written. */
function decimals(value: string | null | undefined): number {
  if (value == null) return 0;
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.trim().length - dot - 1;
}

export function decimalRules(invoice: Invoice, emit: Emit): void {
  const check = (value: string | null | undefined, rule: string, bt: string, location: string, fr: string, en: string): void => {
    if (decimals(value) > 2) emit(rule, bt, location, `${fr} (${value}) a plus de 2 décimales.`, `${en} (${value}) has more than 2 decimals.`);
  };
  invoice.allowancesCharges.forEach((ac, index) => {
    const at = `/allowancesCharges[${index + 1}]`;
    if (ac.isCharge) {
      check(ac.amount, 'BR-DEC-05', 'BT-99', at, 'Le montant de la charge', 'The document level charge amount');
      check(ac.baseAmount, 'BR-DEC-06', 'BT-100', at, 'Le montant de base de la charge', 'The document level charge base amount');
    } else {
      check(ac.amount, 'BR-DEC-01', 'BT-92', at, 'Le montant de la remise', 'The document level allowance amount');
      check(ac.baseAmount, 'BR-DEC-02', 'BT-93', at, 'Le montant de base de la remise', 'The document level allowance base amount');
    }
  });
  const t = invoice.totals;
  check(t.lineNet, 'BR-DEC-09', 'BT-106', '/totals', 'La somme des montants nets des lignes', 'The sum of invoice line net amounts');
  check(t.allowances, 'BR-DEC-10', 'BT-107', '/totals', 'La somme des remises', 'The sum of allowances');
  check(t.charges, 'BR-DEC-11', 'BT-108', '/totals', 'La somme des charges', 'The sum of charges');
  check(t.taxExclusive, 'BR-DEC-12', 'BT-109', '/totals', 'Le total HT', 'The invoice total without VAT');
  check(t.tax, 'BR-DEC-13', 'BT-110', '/totals', 'Le total de TVA', 'The invoice total VAT amount');
  check(t.taxInclusive, 'BR-DEC-14', 'BT-112', '/totals', 'Le total TTC', 'The invoice total with VAT');
  check(invoice.taxTotalInTaxCurrency, 'BR-DEC-15', 'BT-111', '/totals', 'Le total de TVA en devise de comptabilisation', 'The VAT total in accounting currency');
  check(t.prepaid, 'BR-DEC-16', 'BT-113', '/totals', 'Le montant déjà payé', 'The paid amount');
  check(t.rounding, 'BR-DEC-17', 'BT-114', '/totals', "L'arrondi", 'The rounding amount');
  check(t.payable, 'BR-DEC-18', 'BT-115', '/totals', 'Le montant à payer', 'The amount due for payment');
  invoice.vatBreakdown.forEach((row, index) => {
    const at = `/vatBreakdown[${index + 1}]`;
    check(row.taxableAmount, 'BR-DEC-19', 'BT-116', at, 'La base imposable de la ventilation de TVA', 'The VAT category taxable amount');
    check(row.taxAmount, 'BR-DEC-20', 'BT-117', at, 'Le montant de TVA de la ventilation', 'The VAT category tax amount');
  });
  invoice.lines.forEach((line, index) => {
    const at = `/lines[${index + 1}]`;
    check(line.netAmount, 'BR-DEC-23', 'BT-131', at, 'Le montant net de la ligne', 'The invoice line net amount');
    (line.allowancesCharges ?? []).forEach((ac, acIndex) => {
      const where = `${at}/allowanceCharge[${acIndex + 1}]`;
      if (ac.isCharge) {
        check(ac.amount, 'BR-DEC-27', 'BT-141', where, 'Le montant de la charge de ligne', 'The invoice line charge amount');
        check(ac.baseAmount, 'BR-DEC-28', 'BT-142', where, 'Le montant de base de la charge de ligne', 'The invoice line charge base amount');
      } else {
        check(ac.amount, 'BR-DEC-24', 'BT-136', where, 'Le montant de la remise de ligne', 'The invoice line allowance amount');
        check(ac.baseAmount, 'BR-DEC-25', 'BT-137', where, 'Le montant de base de la remise de ligne', 'The invoice line allowance base amount');
      }
    });
  });
}
