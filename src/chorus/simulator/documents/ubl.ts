// UBL 2.1 Invoice / CreditNote following the EN 16931 binding (element order of the UBL schema),
// with the Chorus routing data where French recipients expect it: buyer SIRET (scheme 0009),
// service code in BuyerReference (BT-10), engagement in OrderReference (BT-13).
import type { SimLine } from '../model.ts';
import { el, xmlDocument, type XmlNode } from './xml.ts';
import { isCreditNote, siren, type InvoiceContext } from './context.ts';

const NS = {
  invoice: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  creditNote: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
};

export function writeUbl(context: InvoiceContext): string {
  const { invoice, supplier, structure, service } = context;
  const credit = isCreditNote(context);
  const currency = { currencyID: invoice.devise };
  const amount = (name: string, value: string) => el(name, currency, value);
  const party = (
    wrapper: string,
    p: { siret: string; name: string; vatId: string | null; address: { line1: string; line2: string | null; city: string; postCode: string; countryCode: string } },
  ): XmlNode =>
    el(wrapper, {}, [
      el('cac:Party', {}, [
        el('cbc:EndpointID', { schemeID: '0009' }, p.siret),
        el('cac:PartyIdentification', {}, [el('cbc:ID', { schemeID: '0009' }, p.siret)]),
        el('cac:PartyName', {}, [el('cbc:Name', {}, p.name)]),
        el('cac:PostalAddress', {}, [
          el('cbc:StreetName', {}, p.address.line1),
          p.address.line2 ? el('cbc:AdditionalStreetName', {}, p.address.line2) : null,
          el('cbc:CityName', {}, p.address.city),
          el('cbc:PostalZone', {}, p.address.postCode),
          el('cac:Country', {}, [el('cbc:IdentificationCode', {}, p.address.countryCode)]),
        ]),
        p.vatId ? el('cac:PartyTaxScheme', {}, [el('cbc:CompanyID', {}, p.vatId), el('cac:TaxScheme', {}, [el('cbc:ID', {}, 'VAT')])]) : null,
        el('cac:PartyLegalEntity', {}, [el('cbc:RegistrationName', {}, p.name), el('cbc:CompanyID', { schemeID: '0002' }, siren(p.siret))]),
      ]),
    ]);
  const taxCategory = (wrapper: string, category: string, rate: string, reason: string | null, reasonCode: string | null) =>
    el(wrapper, {}, [
      el('cbc:ID', {}, category),
      el('cbc:Percent', {}, rate),
      reasonCode ? el('cbc:TaxExemptionReasonCode', {}, reasonCode) : null,
      reason ? el('cbc:TaxExemptionReason', {}, reason) : null,
      el('cac:TaxScheme', {}, [el('cbc:ID', {}, 'VAT')]),
    ]);
  const line = (l: SimLine) =>
    el(credit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine', {}, [
      el('cbc:ID', {}, l.id),
      el(credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', { unitCode: l.unitCode }, l.quantity),
      amount('cbc:LineExtensionAmount', l.netAmount),
      el('cac:Item', {}, [
        el('cbc:Name', {}, l.name),
        el('cac:SellersItemIdentification', {}, [el('cbc:ID', {}, l.reference)]),
        el('cac:ClassifiedTaxCategory', {}, [el('cbc:ID', {}, l.vatCategory), el('cbc:Percent', {}, l.vatRate), el('cac:TaxScheme', {}, [el('cbc:ID', {}, 'VAT')])]),
      ]),
      el('cac:Price', {}, [amount('cbc:PriceAmount', l.unitPrice)]),
    ]);
  const root = el(credit ? 'CreditNote' : 'Invoice', { xmlns: credit ? NS.creditNote : NS.invoice, 'xmlns:cac': NS.cac, 'xmlns:cbc': NS.cbc }, [
    el('cbc:CustomizationID', {}, 'urn:cen.eu:en16931:2017'),
    el('cbc:ProfileID', {}, 'A1'),
    el('cbc:ID', {}, invoice.numeroFacture),
    el('cbc:IssueDate', {}, invoice.dateFacture),
    credit ? null : el('cbc:DueDate', {}, invoice.dateEcheance),
    el(credit ? 'cbc:CreditNoteTypeCode' : 'cbc:InvoiceTypeCode', {}, credit ? '381' : '380'),
    el('cbc:Note', {}, credit ? `Avoir sur la facture ${invoice.numeroFactureOrigine ?? ''}`.trim() : `Facture ${supplier.name}`),
    el('cbc:DocumentCurrencyCode', {}, invoice.devise),
    service ? el('cbc:BuyerReference', {}, service.codeService) : null,
    invoice.numeroBonCommande ? el('cac:OrderReference', {}, [el('cbc:ID', {}, invoice.numeroBonCommande)]) : null,
    invoice.numeroFactureOrigine
      ? el('cac:BillingReference', {}, [el('cac:InvoiceDocumentReference', {}, [el('cbc:ID', {}, invoice.numeroFactureOrigine)])])
      : null,
    invoice.numeroMarche ? el('cac:ContractDocumentReference', {}, [el('cbc:ID', {}, invoice.numeroMarche)]) : null,
    party('cac:AccountingSupplierParty', { siret: supplier.siret, name: supplier.name, vatId: supplier.vatId, address: supplier.address }),
    party('cac:AccountingCustomerParty', { siret: structure.siret, name: structure.name, vatId: null, address: structure.address }),
    el('cac:PaymentMeans', {}, [
      el('cbc:PaymentMeansCode', {}, '30'),
      credit ? el('cbc:PaymentDueDate', {}, invoice.dateEcheance) : null,
      el('cbc:PaymentID', {}, invoice.numeroFacture),
      el('cac:PayeeFinancialAccount', {}, [
        el('cbc:ID', {}, invoice.iban),
        el('cbc:Name', {}, supplier.name),
        el('cac:FinancialInstitutionBranch', {}, [el('cbc:ID', {}, supplier.bic)]),
      ]),
    ]),
    el('cac:PaymentTerms', {}, [el('cbc:Note', {}, 'Paiement à 30 jours (délai global de paiement)')]),
    el('cac:TaxTotal', {}, [
      amount('cbc:TaxAmount', invoice.totals.tva),
      ...invoice.vat.map((v) =>
        el('cac:TaxSubtotal', {}, [
          amount('cbc:TaxableAmount', v.base),
          amount('cbc:TaxAmount', v.amount),
          taxCategory('cac:TaxCategory', v.category, v.rate, v.exemptionReason, v.exemptionReasonCode),
        ]),
      ),
    ]),
    el('cac:LegalMonetaryTotal', {}, [
      amount('cbc:LineExtensionAmount', invoice.totals.ht),
      amount('cbc:TaxExclusiveAmount', invoice.totals.ht),
      amount('cbc:TaxInclusiveAmount', invoice.totals.ttc),
      amount('cbc:PayableAmount', invoice.totals.apayer),
    ]),
    ...invoice.lines.map(line),
  ]);
  return xmlDocument(root);
}
