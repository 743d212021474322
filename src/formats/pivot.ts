// The Chorus Pro "pivot" (CPPFacturePivot V1_22 and V2_02): the envelope in which Chorus Pro hands
// received invoices over. One file holds one or more invoices (CPPFacturePivotUnitaire), each with
// its pivot-level data and its PJ (pièces jointes, base64; TypePJ 01 = the original invoice).
import { documentTypeOf, emptyInvoice, type Invoice, type InvoiceLine, type VatBreakdown } from '../domain/invoice.ts';
import { Decimal } from '../domain/money.ts';
import type { Limits } from './limits.ts';
import type { PivotAttachment, PivotDocument, PivotInvoice } from './types.ts';
import { Base64Sink, decimal, deriveSiret, isoDate, newParty, text } from './values.ts';
import { MappingBuilder } from './xml/builder.ts';
import type { XmlMapping } from './xml/stream.ts';

type RawPj = Omit<PivotAttachment, 'content' | 'archiveName'> & { sink: Base64Sink | null; content: Uint8Array | null; typeRaw: string | null };

export type PivotState = {
  file: string;
  limits: Limits;
  document: PivotDocument;
  current: PivotInvoice | null;
  pjs: RawPj[][];
  pj: RawPj | null;
  parameterCode: string | null;
  tva: VatBreakdown | null;
  line: InvoiceLine | null;
};

export function newPivotState(file: string, limits: Limits, version: string | null): PivotState {
  return {
    file,
    limits,
    document: { version, flowId: null, productionDate: null, invoices: [] },
    current: null,
    pjs: [],
    pj: null,
    parameterCode: null,
    tva: null,
    line: null,
  };
}

const b = new MappingBuilder<PivotState>();
const P = 'Enveloppe/EnveloppeUnitaire/Parametres/ParametreIndiv';
b.close(`${P}/Code`, (s, v) => (s.parameterCode = text(v)));
b.close(`${P}/Valeurparametre`, (s, v) => {
  if (s.parameterCode === 'IdFlx') s.document.flowId ??= text(v);
  if (s.parameterCode === 'DtPrd') s.document.productionDate ??= text(v);
});

const U = 'CPPFactures/CPPFacturePivotUnitaire';
b.open(U, (s, a) => {
  const invoice: Invoice = emptyInvoice('PIVOT');
  invoice.seller = newParty();
  invoice.buyer = newParty();
  invoice.precedingInvoiceReferences = [];
  const order = Number.parseInt(a.NumOrdre ?? '', 10);
  s.current = {
    order: Number.isFinite(order) ? order : null,
    invoice,
    chorus: {
      supplierIdType: null,
      debtorIdType: null,
      serviceName: null,
      frame: null,
      receptionDate: null,
      deliveryDate: null,
      originalInvoiceId: null,
      chorusId: null,
      resent: null,
      emissionMode: null,
      bankName: null,
      statuses: [],
    },
    attachments: [],
  };
  s.pjs.push([]);
});
const inv = (s: PivotState): Invoice => s.current!.invoice;
const chorus = (s: PivotState): PivotInvoice['chorus'] => s.current!.chorus;
const amount = (s: PivotState, v: string, element: string): string | null => decimal(v, s.file, element);

// Fournisseur: the seller. TypeIdentifiant 1 means the Identifiant is a SIRET.
b.close(`${U}/Fournisseur/TypeIdentifiant`, (s, v) => (chorus(s).supplierIdType = text(v)));
b.close(`${U}/Fournisseur/Identifiant`, (s, v) => {
  const id = text(v);
  if (id) inv(s).seller.identifiers.push({ id, scheme: chorus(s).supplierIdType === '1' ? '0009' : `CPP:${chorus(s).supplierIdType ?? ''}` });
});
b.close(`${U}/Fournisseur/RaisonSociale`, (s, v) => (inv(s).seller.name = text(v)));
b.close(`${U}/Fournisseur/CodePays`, (s, v) => {
  inv(s).seller.address = { line1: null, line2: null, city: null, postCode: null, countryCode: text(v) };
});
b.close(`${U}/Fournisseur/ReferenceBancaire/Compte`, (s, v) => (inv(s).payment.iban = text(v)?.replace(/\s/g, '') ?? null));
b.close(`${U}/Fournisseur/ReferenceBancaire/Etablissement`, (s, v) => (chorus(s).bankName = text(v)));
b.close(`${U}/Fournisseur/ReferenceBancaire/RaisonSocialeEncaisseur`, (s, v) => (inv(s).payment.accountName = text(v)));
b.close(`${U}/Fournisseur/ModeEmission`, (s, v) => (chorus(s).emissionMode = text(v)));
b.end(`${U}/Fournisseur`, (s) => void (inv(s).seller.siret = deriveSiret(inv(s).seller)));

// Debiteur: the buyer, always identified by its SIRET; CodeService is BT-10.
b.close(`${U}/Debiteur/TypeIdentifiant`, (s, v) => (chorus(s).debtorIdType = text(v)));
b.close(`${U}/Debiteur/Identifiant`, (s, v) => {
  const id = text(v);
  if (id) inv(s).buyer.identifiers.push({ id, scheme: '0009' });
});
b.close(`${U}/Debiteur/Nom`, (s, v) => (inv(s).buyer.name = text(v)));
b.close(`${U}/Debiteur/CodeService`, (s, v) => (inv(s).buyerReference = text(v)));
b.close(`${U}/Debiteur/NomService`, (s, v) => (chorus(s).serviceName = text(v)));
b.end(`${U}/Debiteur`, (s) => void (inv(s).buyer.siret = deriveSiret(inv(s).buyer)));

const F = `${U}/DonneesFacture`;
b.close(`${F}/Id`, (s, v) => (inv(s).number = text(v)));
b.close(`${F}/IdCPRO`, (s, v) => (chorus(s).chorusId = text(v)));
b.close(`${F}/Renvoi`, (s, v) => (chorus(s).resent = text(v)));
b.close(`${F}/IdFactureOrigine`, (s, v) => (chorus(s).originalInvoiceId = text(v)));
b.close(`${F}/Type`, (s, v) => {
  inv(s).typeCode = text(v);
  inv(s).documentType = documentTypeOf(inv(s).typeCode);
});
b.close(`${F}/Cadre`, (s, v) => {
  chorus(s).frame = text(v);
  inv(s).businessProcess = text(v);
});
b.close(`${F}/DateEmissionFacture`, (s, v) => (inv(s).issueDate = isoDate(v, s.file, 'DateEmissionFacture')));
b.close(`${F}/DateLivraison`, (s, v) => {
  chorus(s).deliveryDate = isoDate(v, s.file, 'DateLivraison');
  inv(s).delivery = { date: chorus(s).deliveryDate, countryCode: null, hasAddress: false };
});
b.close(`${F}/ModePaiement/Code`, (s, v) => (inv(s).payment.meansCode = text(v)));
b.close(`${F}/DateReception`, (s, v) => (chorus(s).receptionDate = isoDate(v, s.file, 'DateReception')));
b.close(`${F}/Devise`, (s, v) => (inv(s).currency = text(v)));
b.close(`${F}/Montants/MontantHT`, (s, v) => (inv(s).totals.taxExclusive = amount(s, v, 'Montants/MontantHT')));
b.close(`${F}/Montants/MontantTTC`, (s, v) => (inv(s).totals.taxInclusive = amount(s, v, 'Montants/MontantTTC')));
b.close(`${F}/Montants/MontantNetAPayer`, (s, v) => (inv(s).totals.payable = amount(s, v, 'Montants/MontantNetAPayer')));
b.open(`${F}/TVAs/TVA`, (s) => {
  s.tva = { category: null, rate: null, taxableAmount: null, taxAmount: null, exemptionReason: null, exemptionReasonCode: null };
});
// Taux is a percentage (0.021 with BaseHt 3245 gives MontantTVA 0.68145 in the Chorus fixture).
b.close(`${F}/TVAs/TVA/Taux`, (s, v) => (s.tva!.rate = amount(s, v, 'TVA/Taux')));
b.close(`${F}/TVAs/TVA/BaseHt`, (s, v) => (s.tva!.taxableAmount = amount(s, v, 'TVA/BaseHt')));
b.close(`${F}/TVAs/TVA/MontantTVA`, (s, v) => (s.tva!.taxAmount = amount(s, v, 'TVA/MontantTVA')));
b.end(`${F}/TVAs/TVA`, (s) => {
  inv(s).vatBreakdown.push(s.tva!);
  s.tva = null;
});
b.close(`${F}/Engagement/NumeroMarche`, (s, v) => (inv(s).contractReference = text(v)));
b.close(`${F}/Engagement/NumeroEngagement`, (s, v) => (inv(s).orderReference = text(v)));
b.open(`${F}/Lignes/Ligne`, (s, a) => {
  s.line = {
    id: text(a.NumOrdre ?? ''),
    name: null,
    description: null,
    quantity: null,
    unitCode: null,
    netPrice: null,
    netAmount: null,
    vatCategory: null,
    vatRate: null,
    orderLineReference: null,
  };
});
b.close(`${F}/Lignes/Ligne/ReferenceProduit`, (s, v) => (s.line!.name = text(v)));
b.close(`${F}/Lignes/Ligne/PrixUnitaire`, (s, v) => (s.line!.netPrice = amount(s, v, 'Ligne/PrixUnitaire')));
b.close(`${F}/Lignes/Ligne/Quantite`, (s, v) => (s.line!.quantity = amount(s, v, 'Ligne/Quantite')));
b.close(`${F}/Lignes/Ligne/MontantHT`, (s, v) => (s.line!.netAmount = amount(s, v, 'Ligne/MontantHT')));
b.close(`${F}/Lignes/Ligne/TauxTVA`, (s, v) => (s.line!.vatRate = amount(s, v, 'Ligne/TauxTVA')));
b.end(`${F}/Lignes/Ligne`, (s) => {
  inv(s).lines.push(s.line!);
  s.line = null;
});
b.end(F, (s) => {
  const invoice = inv(s);
  // The pivot gives no BT-110 and no line total: derive them from its own figures.
  const taxes = invoice.vatBreakdown.map((row) => Decimal.tryParse(row.taxAmount)).filter((value): value is Decimal => value !== null);
  if (taxes.length > 0) invoice.totals.tax = taxes.reduce((sum, value) => sum.add(value), Decimal.ZERO).toString();
  if (invoice.documentType === 'creditNote' && chorus(s).originalInvoiceId && chorus(s).originalInvoiceId !== invoice.number) {
    invoice.precedingInvoices.push(chorus(s).originalInvoiceId!);
    invoice.precedingInvoiceReferences!.push({ id: chorus(s).originalInvoiceId, issueDate: null });
  }
});

// PJ.
b.open(`${U}/PJ`, (s) => {
  s.pj = {
    filename: '',
    mimeType: null,
    content: null,
    chorusType: null,
    description: null,
    uniqueId: null,
    originalId: null,
    category: null,
    sink: null,
    typeRaw: null,
  };
});
b.close(`${U}/PJ/IdUnique`, (s, v) => (s.pj!.uniqueId = text(v)));
b.close(`${U}/PJ/IdOriginal`, (s, v) => (s.pj!.originalId = text(v)));
b.stream(`${U}/PJ/Contenu`, (s, chunk) => {
  s.pj!.sink ??= new Base64Sink(s.limits.maxBytes, s.file, 'PJ/Contenu');
  s.pj!.sink.write(chunk);
});
b.close(`${U}/PJ/NomPJ`, (s, v) => (s.pj!.filename = text(v) ?? ''));
b.close(`${U}/PJ/NomPJOrigine`, (s, v) => (s.pj!.description = text(v)));
b.close(`${U}/PJ/CategoriePJ`, (s, v) => (s.pj!.category = text(v)));
b.close(`${U}/PJ/TypePJ`, (s, v) => {
  s.pj!.typeRaw = text(v);
  s.pj!.chorusType = s.pj!.typeRaw === '01' ? '01' : s.pj!.typeRaw === '02' ? '02' : null;
});
b.close(`${U}/PJ/MimeTypePJ`, (s, v) => (s.pj!.mimeType = text(v)));
b.end(`${U}/PJ`, (s) => {
  const pj = s.pj!;
  s.pj = null;
  pj.content = pj.sink ? pj.sink.finish().content : new Uint8Array(0);
  pj.sink = null;
  s.pjs.at(-1)!.push(pj);
});

const V = `${U}/CycleDeValidation/ValidationUnitaire`;
b.open(V, (s) => chorus(s).statuses.push({ date: null, code: null, complement: null, comment: null }));
b.close(`${V}/DateStatut`, (s, v) => (chorus(s).statuses.at(-1)!.date = text(v)));
b.close(`${V}/CodeStatut`, (s, v) => (chorus(s).statuses.at(-1)!.code = text(v)));
b.close(`${V}/ComplementStatut`, (s, v) => (chorus(s).statuses.at(-1)!.complement = text(v)));
b.close(`${V}/Commentaire`, (s, v) => (chorus(s).statuses.at(-1)!.comment = text(v)));

b.end(U, (s) => {
  s.document.invoices.push(s.current!);
  s.current = null;
});

export const PIVOT_MAPPING: XmlMapping<PivotState> = b.mapping;

export type RawPivotPj = RawPj;
