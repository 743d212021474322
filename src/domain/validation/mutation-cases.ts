// Mutation cases: copies of official EN 16931 examples altered in memory (the corpus is never
// touched), each naming the rule that must catch it. Kept apart from the test so that a one-off
// cross-check against another validator can replay exactly the same mutations.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ValidationOptions } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../../shared/corpus/en16931');
export const UBL = fs.readFileSync(path.join(CORPUS, 'ubl/ubl-tc434-example4.xml'), 'utf8');
export const CII = fs.readFileSync(path.join(CORPUS, 'cii/CII_example4.xml'), 'utf8');

export type Mutation = { rule: string; base?: 'UBL' | 'CII'; mutate: (xml: string) => string; options?: ValidationOptions; name?: string };

const remove = (pattern: RegExp | string) => (xml: string): string => xml.replace(pattern, '');
const swap = (from: RegExp | string, to: string) => (xml: string): string => xml.replace(from, to);
const nth = (pattern: RegExp, index: number, to: string) => (xml: string): string => {
  let count = -1;
  return xml.replace(new RegExp(pattern.source, 'g'), (match) => ((count += 1) === index ? to : match));
};
const COUNTRY = /<cac:Country>\s*<cbc:IdentificationCode>DK<\/cbc:IdentificationCode>\s*<\/cac:Country>/;
const POSTAL = /<cac:PostalAddress>[\s\S]*?<\/cac:PostalAddress>/;
const LINES = /<cac:InvoiceLine>[\s\S]*?<\/cac:InvoiceLine>/g;
const SIRET_BUYER = '<cbc:ID schemeID="0009">21930053000017</cbc:ID>';
const ALLOWANCE = '<cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason><cbc:Amount currencyID="DKK">100.00</cbc:Amount><cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>25</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:AllowanceCharge>';
const beforeTaxTotal = (fragment: string) => swap('<cac:TaxTotal>', `${fragment}<cac:TaxTotal>`);
/** Every VAT category S of the document (lines, breakdown, added allowances) turned into another. */
const category = (code: string) => (xml: string): string => xml.replace(/<cbc:ID>S<\/cbc:ID>/g, `<cbc:ID>${code}</cbc:ID>`);
const then = (...steps: ((xml: string) => string)[]) => (xml: string): string => steps.reduce((value, step) => step(value), xml);
const LINE_CATEGORY = /(<cac:ClassifiedTaxCategory>\s*)<cbc:ID>S<\/cbc:ID>/g;
const SELLER_TAX = /<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/;
const REASON = '<cbc:Percent>25</cbc:Percent><cbc:TaxExemptionReason>Exempt</cbc:TaxExemptionReason>';
const CII_LINE_TAX = /(<ram:SpecifiedLineTradeSettlement>\s*<ram:ApplicableTradeTax>[\s\S]*?<\/ram:ApplicableTradeTax>)/;

export const MUTATIONS: Mutation[] = [
  { rule: 'BR-01', mutate: remove(/<cbc:CustomizationID>[^<]*<\/cbc:CustomizationID>/) },
  { rule: 'BR-02', mutate: remove('<cbc:ID>TOSL110</cbc:ID>') },
  { rule: 'BR-03', mutate: remove(/<cbc:IssueDate>[^<]*<\/cbc:IssueDate>/) },
  { rule: 'BR-04', mutate: remove(/<cbc:InvoiceTypeCode>[^<]*<\/cbc:InvoiceTypeCode>/) },
  { rule: 'BR-05', mutate: remove(/<cbc:DocumentCurrencyCode>[^<]*<\/cbc:DocumentCurrencyCode>/) },
  { rule: 'BR-06', mutate: remove('<cbc:RegistrationName>SellerCompany</cbc:RegistrationName>') },
  { rule: 'BR-07', mutate: remove('<cbc:RegistrationName>Buyercompany ltd</cbc:RegistrationName>') },
  { rule: 'BR-08', mutate: nth(POSTAL, 0, '') },
  { rule: 'BR-09', mutate: nth(COUNTRY, 0, '') },
  { rule: 'BR-10', mutate: nth(POSTAL, 1, '') },
  { rule: 'BR-11', mutate: nth(COUNTRY, 1, '') },
  { rule: 'BR-12', mutate: remove('<cbc:LineExtensionAmount currencyID="DKK">4000.00</cbc:LineExtensionAmount>') },
  { rule: 'BR-13', mutate: remove(/<cbc:TaxExclusiveAmount[^>]*>[^<]*<\/cbc:TaxExclusiveAmount>/) },
  { rule: 'BR-14', mutate: remove(/<cbc:TaxInclusiveAmount[^>]*>[^<]*<\/cbc:TaxInclusiveAmount>/) },
  { rule: 'BR-15', mutate: remove(/<cbc:PayableAmount[^>]*>[^<]*<\/cbc:PayableAmount>/) },
  { rule: 'BR-16', mutate: (xml) => xml.replace(LINES, '') },
  { rule: 'BR-21', mutate: remove('<cbc:ID>1</cbc:ID>') },
  { rule: 'BR-22', mutate: remove('<cbc:InvoicedQuantity unitCode="EA">1000</cbc:InvoicedQuantity>') },
  { rule: 'BR-23', mutate: swap('<cbc:InvoicedQuantity unitCode="EA">1000', '<cbc:InvoicedQuantity>1000') },
  { rule: 'BR-24', mutate: remove('<cbc:LineExtensionAmount currencyID="DKK">1000.00</cbc:LineExtensionAmount>') },
  { rule: 'BR-25', mutate: remove('<cbc:Name>Printing paper</cbc:Name>') },
  { rule: 'BR-26', mutate: remove(/<cac:Price>[\s\S]*?<\/cac:Price>/) },
  { rule: 'BR-27', mutate: swap('<cbc:PriceAmount currencyID="DKK">1.00', '<cbc:PriceAmount currencyID="DKK">-1.00') },
  { rule: 'BR-29', mutate: swap('<cac:OrderReference>', '<cac:InvoicePeriod><cbc:StartDate>2013-04-30</cbc:StartDate><cbc:EndDate>2013-04-01</cbc:EndDate></cac:InvoicePeriod><cac:OrderReference>') },
  { rule: 'BR-31', mutate: beforeTaxTotal(ALLOWANCE.replace(/<cbc:Amount[^>]*>[^<]*<\/cbc:Amount>/, '')) },
  { rule: 'BR-32', mutate: beforeTaxTotal(ALLOWANCE.replace(/<cac:TaxCategory>[\s\S]*<\/cac:TaxCategory>/, '')) },
  { rule: 'BR-33', mutate: beforeTaxTotal(ALLOWANCE.replace('<cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason>', '')) },
  { rule: 'BR-36', mutate: beforeTaxTotal(ALLOWANCE.replace('false', 'true').replace(/<cbc:Amount[^>]*>[^<]*<\/cbc:Amount>/, '')) },
  { rule: 'BR-45', mutate: remove('<cbc:TaxableAmount currencyID="DKK">1500.00</cbc:TaxableAmount>') },
  { rule: 'BR-46', mutate: remove('<cbc:TaxAmount currencyID="DKK">375.00</cbc:TaxAmount>') },
  { rule: 'BR-47', mutate: nth(/<cbc:ID>S<\/cbc:ID>/, 0, '') },
  { rule: 'BR-48', mutate: nth(/<cbc:Percent>25<\/cbc:Percent>/, 0, '') },
  { rule: 'BR-49', mutate: remove('<cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>') },
  { rule: 'BR-55', mutate: swap('<cac:AccountingSupplierParty>', '<cac:BillingReference><cac:InvoiceDocumentReference><cbc:IssueDate>2013-01-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference><cac:AccountingSupplierParty>') },
  { rule: 'BR-61', mutate: remove(/<cac:PayeeFinancialAccount>[\s\S]*?<\/cac:PayeeFinancialAccount>/) },
  { rule: 'BR-62', mutate: nth(/<cac:Party>/, 0, '<cac:Party><cbc:EndpointID>seller@example.dk</cbc:EndpointID>') },
  { rule: 'BR-63', mutate: nth(/<cac:Party>/, 1, '<cac:Party><cbc:EndpointID>buyer@example.dk</cbc:EndpointID>') },
  { rule: 'BR-CO-04', mutate: swap(/(Printing paper<\/cbc:Name>[\s\S]*?<cac:ClassifiedTaxCategory>)\s*<cbc:ID>S<\/cbc:ID>/, '$1') },
  { rule: 'BR-CO-09', mutate: swap('<cbc:CompanyID>DK16356706</cbc:CompanyID>\n                <cac:TaxScheme>', '<cbc:CompanyID>16356706</cbc:CompanyID>\n                <cac:TaxScheme>') },
  { rule: 'BR-CO-10', mutate: swap('<cbc:LineExtensionAmount currencyID="DKK">1000.00', '<cbc:LineExtensionAmount currencyID="DKK">1001.00') },
  { rule: 'BR-CO-11', mutate: beforeTaxTotal(ALLOWANCE) },
  { rule: 'BR-CO-13', mutate: swap('<cbc:TaxExclusiveAmount currencyID="DKK">4000.00', '<cbc:TaxExclusiveAmount currencyID="DKK">4100.00') },
  { rule: 'BR-CO-14', mutate: swap('<cbc:TaxAmount currencyID="DKK">675.00', '<cbc:TaxAmount currencyID="DKK">680.00') },
  { rule: 'BR-CO-15', mutate: swap('<cbc:TaxInclusiveAmount currencyID="DKK">4675.00', '<cbc:TaxInclusiveAmount currencyID="DKK">4700.00') },
  { rule: 'BR-CO-16', mutate: swap('<cbc:PayableAmount currencyID="DKK">4675.00', '<cbc:PayableAmount currencyID="DKK">4600.00') },
  { rule: 'BR-CO-17', mutate: swap('<cbc:TaxAmount currencyID="DKK">375.00', '<cbc:TaxAmount currencyID="DKK">385.00') },
  { rule: 'BR-CO-18', mutate: remove(/<cac:TaxSubtotal>[\s\S]*?<\/cac:TaxSubtotal>\s*<cac:TaxSubtotal>[\s\S]*?<\/cac:TaxSubtotal>/) },
  { rule: 'BR-CO-25', mutate: remove(/<cbc:DueDate>[^<]*<\/cbc:DueDate>/) },
  { rule: 'BR-CO-26', mutate: (xml) => xml.replace(/<cac:PartyIdentification>[\s\S]*?<\/cac:PartyIdentification>/, '').replace(/<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/, '').replace('<cbc:CompanyID>DK16356706</cbc:CompanyID>', '') },
  { rule: 'BR-S-02', mutate: remove(/<cac:PartyTaxScheme>[\s\S]*?<\/cac:PartyTaxScheme>/) },
  { rule: 'BR-S-05', mutate: nth(/<cbc:Percent>12<\/cbc:Percent>/, 1, '<cbc:Percent>0</cbc:Percent>') },
  { rule: 'BR-S-08', mutate: swap('<cbc:TaxableAmount currencyID="DKK">1500.00', '<cbc:TaxableAmount currencyID="DKK">1600.00') },
  { rule: 'BR-S-10', mutate: nth(/<cbc:Percent>25<\/cbc:Percent>/, 0, '<cbc:Percent>25</cbc:Percent><cbc:TaxExemptionReason>Exempt</cbc:TaxExemptionReason>') },
  { rule: 'BR-E-01', mutate: swap(/(American Cookies<\/cbc:Name>[\s\S]*?<cac:ClassifiedTaxCategory>\s*)<cbc:ID>S<\/cbc:ID>/, '$1<cbc:ID>E</cbc:ID>') },
  { rule: 'BR-E-05', mutate: swap(/(American Cookies<\/cbc:Name>[\s\S]*?<cac:ClassifiedTaxCategory>\s*)<cbc:ID>S<\/cbc:ID>/, '$1<cbc:ID>E</cbc:ID>') },
  { rule: 'BR-Z-10', mutate: (xml) => xml.replace(/(<cbc:TaxAmount currencyID="DKK">300.00<\/cbc:TaxAmount>\s*<cac:TaxCategory>\s*)<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>12<\/cbc:Percent>/, '$1<cbc:ID>Z</cbc:ID><cbc:Percent>0</cbc:Percent><cbc:TaxExemptionReason>Zero</cbc:TaxExemptionReason>') },
  { rule: 'BR-AE-10', mutate: (xml) => xml.replace(/(<cbc:TaxAmount currencyID="DKK">300.00<\/cbc:TaxAmount>\s*<cac:TaxCategory>\s*)<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>12<\/cbc:Percent>/, '$1<cbc:ID>AE</cbc:ID><cbc:Percent>0</cbc:Percent>') },
  { rule: 'BR-O-09', mutate: (xml) => xml.replace(/(<cac:TaxCategory>\s*)<cbc:ID>S<\/cbc:ID>\s*<cbc:Percent>12<\/cbc:Percent>/, '$1<cbc:ID>O</cbc:ID>') },
  { rule: 'FR-PUB-01', mutate: swap('<cbc:ID schemeID="0088">5790000436057</cbc:ID>', '<cbc:ID schemeID="0009">21930053000018</cbc:ID>'), options: { frenchPublicRecipient: {} } },
  { rule: 'FR-PUB-02', mutate: swap('<cbc:ID schemeID="0088">5790000436057</cbc:ID>', SIRET_BUYER), options: { frenchPublicRecipient: { requireServiceCode: true } } },
  { rule: 'FR-PUB-03', mutate: (xml) => xml.replace('<cbc:ID schemeID="0088">5790000436057</cbc:ID>', SIRET_BUYER).replace(/<cac:OrderReference>[\s\S]*?<\/cac:OrderReference>/, ''), options: { frenchPublicRecipient: { requireEngagement: true } } },
  { rule: 'BR-02', base: 'CII', name: 'CII without ExchangedDocument/ID', mutate: remove('<ram:ID>TOSL110</ram:ID>') },
  { rule: 'BR-CO-15', base: 'CII', name: 'CII with a wrong GrandTotalAmount', mutate: swap('<ram:GrandTotalAmount>4675</ram:GrandTotalAmount>', '<ram:GrandTotalAmount>4680</ram:GrandTotalAmount>') },
  { rule: 'BR-16', base: 'CII', name: 'CII without lines', mutate: (xml) => xml.replace(/<ram:IncludedSupplyChainTradeLineItem>[\s\S]*?<\/ram:IncludedSupplyChainTradeLineItem>/g, '') },
  // BR-50, BR-CO-20.
  { rule: 'BR-50', mutate: swap('<cbc:ID>DK1212341234123412</cbc:ID>', '<cbc:Name>Konto</cbc:Name>') },
  { rule: 'BR-CO-20', mutate: nth(/<cbc:LineExtensionAmount currencyID="DKK">1000.00<\/cbc:LineExtensionAmount>/, 0, '<cbc:LineExtensionAmount currencyID="DKK">1000.00</cbc:LineExtensionAmount><cac:InvoicePeriod></cac:InvoicePeriod>') },
  { rule: 'BR-50', base: 'CII', name: 'CII creditor account without IBANID or ProprietaryID', mutate: remove('<ram:IBANID>DK1212341234123412</ram:IBANID>') },
  { rule: 'BR-CO-20', base: 'CII', name: 'CII line period without dates', mutate: swap(CII_LINE_TAX, '$1<ram:BillingSpecifiedPeriod></ram:BillingSpecifiedPeriod>') },
  // BR-DEC-*: more than two decimals.
  { rule: 'BR-DEC-01', mutate: beforeTaxTotal(ALLOWANCE.replace('100.00', '100.001')) },
  { rule: 'BR-DEC-02', mutate: beforeTaxTotal(ALLOWANCE.replace('<cbc:Amount currencyID="DKK">100.00</cbc:Amount>', '<cbc:Amount currencyID="DKK">100.00</cbc:Amount><cbc:BaseAmount currencyID="DKK">1000.005</cbc:BaseAmount>')) },
  { rule: 'BR-DEC-05', mutate: beforeTaxTotal(ALLOWANCE.replace('false', 'true').replace('100.00', '100.125')) },
  { rule: 'BR-DEC-09', mutate: swap('<cbc:LineExtensionAmount currencyID="DKK">4000.00<', '<cbc:LineExtensionAmount currencyID="DKK">4000.000<') },
  { rule: 'BR-DEC-12', mutate: swap('<cbc:TaxExclusiveAmount currencyID="DKK">4000.00<', '<cbc:TaxExclusiveAmount currencyID="DKK">4000.001<') },
  { rule: 'BR-DEC-14', mutate: swap('<cbc:TaxInclusiveAmount currencyID="DKK">4675.00<', '<cbc:TaxInclusiveAmount currencyID="DKK">4675.004<') },
  { rule: 'BR-DEC-18', mutate: swap('<cbc:PayableAmount currencyID="DKK">4675.00<', '<cbc:PayableAmount currencyID="DKK">4675.000<') },
  { rule: 'BR-DEC-19', mutate: swap('<cbc:TaxableAmount currencyID="DKK">1500.00<', '<cbc:TaxableAmount currencyID="DKK">1500.001<') },
  { rule: 'BR-DEC-20', mutate: swap('<cbc:TaxAmount currencyID="DKK">375.00<', '<cbc:TaxAmount currencyID="DKK">375.004<') },
  { rule: 'BR-DEC-23', mutate: swap('<cbc:LineExtensionAmount currencyID="DKK">1000.00<', '<cbc:LineExtensionAmount currencyID="DKK">1000.0000<') },
  { rule: 'BR-DEC-24', mutate: swap('<cbc:LineExtensionAmount currencyID="DKK">1000.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="DKK">1000.00</cbc:LineExtensionAmount><cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator><cbc:AllowanceChargeReason>Discount</cbc:AllowanceChargeReason><cbc:Amount currencyID="DKK">0.001</cbc:Amount></cac:AllowanceCharge>') },
  { rule: 'BR-DEC-13', base: 'CII', name: 'CII TaxTotalAmount with three decimals', mutate: swap('<ram:TaxTotalAmount currencyID="DKK">675</ram:TaxTotalAmount>', '<ram:TaxTotalAmount currencyID="DKK">675.001</ram:TaxTotalAmount>') },
  { rule: 'BR-DEC-23', base: 'CII', name: 'CII LineTotalAmount with three decimals', mutate: swap('<ram:LineTotalAmount>1000</ram:LineTotalAmount>', '<ram:LineTotalAmount>1000.000</ram:LineTotalAmount>') },
  // BR-CL-*: codes outside their lists.
  { rule: 'BR-CL-01', mutate: swap('<cbc:InvoiceTypeCode>380<', '<cbc:InvoiceTypeCode>999<') },
  { rule: 'BR-CL-01', name: 'UBL Invoice with a credit note type code', mutate: swap('<cbc:InvoiceTypeCode>380<', '<cbc:InvoiceTypeCode>381<') },
  { rule: 'BR-CL-03', mutate: swap('<cbc:PriceAmount currencyID="DKK">1.00', '<cbc:PriceAmount currencyID="DKX">1.00') },
  { rule: 'BR-CL-04', mutate: swap('<cbc:DocumentCurrencyCode>DKK<', '<cbc:DocumentCurrencyCode>DKX<') },
  { rule: 'BR-CL-05', mutate: swap('<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode>', '<cbc:DocumentCurrencyCode>DKK</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>EUX</cbc:TaxCurrencyCode>') },
  { rule: 'BR-CL-06', mutate: swap('<cac:OrderReference>', '<cac:InvoicePeriod><cbc:StartDate>2013-04-01</cbc:StartDate><cbc:DescriptionCode>99</cbc:DescriptionCode></cac:InvoicePeriod><cac:OrderReference>') },
  { rule: 'BR-CL-14', mutate: nth(COUNTRY, 0, '<cac:Country><cbc:IdentificationCode>DX</cbc:IdentificationCode></cac:Country>') },
  { rule: 'BR-CL-16', mutate: swap('<cbc:PaymentMeansCode>30<', '<cbc:PaymentMeansCode>99<') },
  { rule: 'BR-CL-17', mutate: nth(/<cbc:ID>S<\/cbc:ID>/, 0, '<cbc:ID>X</cbc:ID>') },
  { rule: 'BR-CL-18', mutate: nth(/<cbc:ID>S<\/cbc:ID>/, 2, '<cbc:ID>SR</cbc:ID>') },
  { rule: 'BR-CL-23', mutate: swap('<cbc:InvoicedQuantity unitCode="EA">1000', '<cbc:InvoicedQuantity unitCode="PCS">1000') },
  { rule: 'BR-CL-06', base: 'CII', name: 'CII with a UBL-style VAT point date code (3)', mutate: swap(/(<ram:ApplicableTradeTax>\s*<ram:CalculatedAmount>375<\/ram:CalculatedAmount>)/, '$1<ram:DueDateTypeCode>3</ram:DueDateTypeCode>') },
  { rule: 'BR-CL-01', base: 'CII', name: 'CII with type code 999', mutate: swap('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>999</ram:TypeCode>') },
  { rule: 'BR-CL-14', base: 'CII', name: 'CII with country code DX', mutate: nth(/<ram:CountryID>DK<\/ram:CountryID>/, 0, '<ram:CountryID>DX</ram:CountryID>') },
  { rule: 'BR-CL-16', base: 'CII', name: 'CII with payment means 99', mutate: nth(/<ram:TypeCode>30<\/ram:TypeCode>/, 1, '<ram:TypeCode>99</ram:TypeCode>') },
  { rule: 'BR-CL-23', base: 'CII', name: 'CII with unit PCS', mutate: swap('unitCode="C62">1000', 'unitCode="PCS">1000') },
  // Category L (IGIC, BR-AF-*) and M (IPSI, BR-AG-*): the example turned into that category, then broken.
  { rule: 'BR-AF-01', mutate: (xml) => xml.replace(LINE_CATEGORY, '$1<cbc:ID>L</cbc:ID>') },
  { rule: 'BR-AF-02', mutate: then(category('L'), remove(SELLER_TAX)) },
  { rule: 'BR-AF-03', mutate: then(beforeTaxTotal(ALLOWANCE), category('L'), remove(SELLER_TAX)) },
  { rule: 'BR-AF-04', mutate: then(beforeTaxTotal(ALLOWANCE.replace('false', 'true')), category('L'), remove(SELLER_TAX)) },
  { rule: 'BR-AF-05', mutate: then(category('L'), nth(/<cbc:Percent>25<\/cbc:Percent>/, 1, '<cbc:Percent>-25</cbc:Percent>')) },
  { rule: 'BR-AF-08', mutate: then(category('L'), swap('<cbc:TaxableAmount currencyID="DKK">1500.00', '<cbc:TaxableAmount currencyID="DKK">1600.00')) },
  { rule: 'BR-AF-09', mutate: then(category('L'), swap('<cbc:TaxAmount currencyID="DKK">375.00', '<cbc:TaxAmount currencyID="DKK">385.00')) },
  { rule: 'BR-AF-10', mutate: then(category('L'), nth(/<cbc:Percent>25<\/cbc:Percent>/, 0, REASON)) },
  { rule: 'BR-AG-01', mutate: (xml) => xml.replace(LINE_CATEGORY, '$1<cbc:ID>M</cbc:ID>') },
  { rule: 'BR-AG-02', mutate: then(category('M'), remove(SELLER_TAX)) },
  { rule: 'BR-AG-06', mutate: then(beforeTaxTotal(ALLOWANCE.replace('<cbc:Percent>25</cbc:Percent>', '')), category('M')) },
  { rule: 'BR-AG-08', mutate: then(category('M'), swap('<cbc:TaxableAmount currencyID="DKK">2500.00', '<cbc:TaxableAmount currencyID="DKK">2600.00')) },
  { rule: 'BR-AG-09', mutate: then(category('M'), swap('<cbc:TaxAmount currencyID="DKK">300.00', '<cbc:TaxAmount currencyID="DKK">320.00')) },
  { rule: 'BR-AG-10', mutate: then(category('M'), nth(/<cbc:Percent>25<\/cbc:Percent>/, 0, REASON)) },
  // Split payment (B): Italian and never beside S.
  { rule: 'BR-B-01', mutate: category('B') },
  { rule: 'BR-B-02', mutate: then((xml) => xml.replace(/<cbc:IdentificationCode>DK</g, '<cbc:IdentificationCode>IT<'), nth(LINE_CATEGORY, 2, '<cac:ClassifiedTaxCategory><cbc:ID>B</cbc:ID>')) },
];
