// UN/CEFACT CII D16B CrossIndustryInvoice, EN 16931 profile (also the XML inside Factur-X),
// element order as in the D16B schema.
import type { SimLine } from '../model.ts';
import { el, xmlDocument, type XmlNode } from './xml.ts';
import { ciiDate, isCreditNote, siren, type InvoiceContext } from './context.ts';

const NS = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

export const FACTURX_EN16931_GUIDELINE = 'urn:cen.eu:en16931:2017';

export function writeCii(context: InvoiceContext): string {
  const { invoice, supplier, structure, service } = context;
  const credit = isCreditNote(context);
  const date = (name: string, iso: string) => el(name, {}, [el('udt:DateTimeString', { format: '102' }, ciiDate(iso))]);
  const party = (
    wrapper: string,
    p: { siret: string; name: string; vatId: string | null; address: { line1: string; line2: string | null; city: string; postCode: string; countryCode: string } },
  ): XmlNode =>
    el(wrapper, {}, [
      el('ram:GlobalID', { schemeID: '0009' }, p.siret),
      el('ram:Name', {}, p.name),
      el('ram:SpecifiedLegalOrganization', {}, [el('ram:ID', { schemeID: '0002' }, siren(p.siret))]),
      el('ram:PostalTradeAddress', {}, [
        el('ram:PostcodeCode', {}, p.address.postCode),
        el('ram:LineOne', {}, p.address.line1),
        p.address.line2 ? el('ram:LineTwo', {}, p.address.line2) : null,
        el('ram:CityName', {}, p.address.city),
        el('ram:CountryID', {}, p.address.countryCode),
      ]),
      el('ram:URIUniversalCommunication', {}, [el('ram:URIID', { schemeID: '0009' }, p.siret)]),
      p.vatId ? el('ram:SpecifiedTaxRegistration', {}, [el('ram:ID', { schemeID: 'VA' }, p.vatId)]) : null,
    ]);
  const line = (l: SimLine) =>
    el('ram:IncludedSupplyChainTradeLineItem', {}, [
      el('ram:AssociatedDocumentLineDocument', {}, [el('ram:LineID', {}, l.id)]),
      el('ram:SpecifiedTradeProduct', {}, [el('ram:SellerAssignedID', {}, l.reference), el('ram:Name', {}, l.name)]),
      el('ram:SpecifiedLineTradeAgreement', {}, [el('ram:NetPriceProductTradePrice', {}, [el('ram:ChargeAmount', {}, l.unitPrice)])]),
      el('ram:SpecifiedLineTradeDelivery', {}, [el('ram:BilledQuantity', { unitCode: l.unitCode }, l.quantity)]),
      el('ram:SpecifiedLineTradeSettlement', {}, [
        el('ram:ApplicableTradeTax', {}, [el('ram:TypeCode', {}, 'VAT'), el('ram:CategoryCode', {}, l.vatCategory), el('ram:RateApplicablePercent', {}, l.vatRate)]),
        el('ram:SpecifiedTradeSettlementLineMonetarySummation', {}, [el('ram:LineTotalAmount', {}, l.netAmount)]),
      ]),
    ]);
  const root = el('rsm:CrossIndustryInvoice', { 'xmlns:rsm': NS.rsm, 'xmlns:ram': NS.ram, 'xmlns:qdt': NS.qdt, 'xmlns:udt': NS.udt }, [
    el('rsm:ExchangedDocumentContext', {}, [
      el('ram:BusinessProcessSpecifiedDocumentContextParameter', {}, [el('ram:ID', {}, 'A1')]),
      el('ram:GuidelineSpecifiedDocumentContextParameter', {}, [el('ram:ID', {}, FACTURX_EN16931_GUIDELINE)]),
    ]),
    el('rsm:ExchangedDocument', {}, [
      el('ram:ID', {}, invoice.numeroFacture),
      el('ram:TypeCode', {}, credit ? '381' : '380'),
      date('ram:IssueDateTime', invoice.dateFacture),
      el('ram:IncludedNote', {}, [el('ram:Content', {}, credit ? `Avoir sur la facture ${invoice.numeroFactureOrigine ?? ''}`.trim() : `Facture ${supplier.name}`)]),
    ]),
    el('rsm:SupplyChainTradeTransaction', {}, [
      ...invoice.lines.map(line),
      el('ram:ApplicableHeaderTradeAgreement', {}, [
        service ? el('ram:BuyerReference', {}, service.codeService) : null,
        party('ram:SellerTradeParty', { siret: supplier.siret, name: supplier.name, vatId: supplier.vatId, address: supplier.address }),
        party('ram:BuyerTradeParty', { siret: structure.siret, name: structure.name, vatId: null, address: structure.address }),
        invoice.numeroBonCommande ? el('ram:BuyerOrderReferencedDocument', {}, [el('ram:IssuerAssignedID', {}, invoice.numeroBonCommande)]) : null,
        invoice.numeroMarche ? el('ram:ContractReferencedDocument', {}, [el('ram:IssuerAssignedID', {}, invoice.numeroMarche)]) : null,
      ]),
      el('ram:ApplicableHeaderTradeDelivery', {}, []),
      el('ram:ApplicableHeaderTradeSettlement', {}, [
        el('ram:PaymentReference', {}, invoice.numeroFacture),
        el('ram:InvoiceCurrencyCode', {}, invoice.devise),
        el('ram:SpecifiedTradeSettlementPaymentMeans', {}, [
          el('ram:TypeCode', {}, '30'),
          el('ram:PayeePartyCreditorFinancialAccount', {}, [el('ram:IBANID', {}, invoice.iban)]),
          el('ram:PayeeSpecifiedCreditorFinancialInstitution', {}, [el('ram:BICID', {}, supplier.bic)]),
        ]),
        ...invoice.vat.map((v) =>
          el('ram:ApplicableTradeTax', {}, [
            el('ram:CalculatedAmount', {}, v.amount),
            el('ram:TypeCode', {}, 'VAT'),
            v.exemptionReason ? el('ram:ExemptionReason', {}, v.exemptionReason) : null,
            el('ram:BasisAmount', {}, v.base),
            el('ram:CategoryCode', {}, v.category),
            v.exemptionReasonCode ? el('ram:ExemptionReasonCode', {}, v.exemptionReasonCode) : null,
            el('ram:DueDateTypeCode', {}, '5'),
            el('ram:RateApplicablePercent', {}, v.rate),
          ]),
        ),
        el('ram:SpecifiedTradePaymentTerms', {}, [
          el('ram:Description', {}, 'Paiement à 30 jours (délai global de paiement)'),
          date('ram:DueDateDateTime', invoice.dateEcheance),
        ]),
        el('ram:SpecifiedTradeSettlementHeaderMonetarySummation', {}, [
          el('ram:LineTotalAmount', {}, invoice.totals.ht),
          el('ram:TaxBasisTotalAmount', {}, invoice.totals.ht),
          el('ram:TaxTotalAmount', { currencyID: invoice.devise }, invoice.totals.tva),
          el('ram:GrandTotalAmount', {}, invoice.totals.ttc),
          el('ram:DuePayableAmount', {}, invoice.totals.apayer),
        ]),
        invoice.numeroFactureOrigine ? el('ram:InvoiceReferencedDocument', {}, [el('ram:IssuerAssignedID', {}, invoice.numeroFactureOrigine)]) : null,
      ]),
    ]),
  ]);
  return xmlDocument(root);
}
