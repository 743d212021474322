// CPPFacturePivot V2_02: what telechargerGroupeFacture(PIVOT) returns — the normalised invoice
// data Chorus built from whatever the supplier sent, plus the original as PJ type 01 and the
// supporting documents as PJ type 02. Shape copied from the fixtures (facture_1221.xml,
// CPPFichierFormatPivot.xml): every PJ Contenu is base64 of a ZIP holding the file, as Chorus does.
import { Decimal } from '../../../domain/money.ts';
import { PIVOT_STATUS_CODES } from '../../types.ts';
import type { ChorusStatus } from '../../types.ts';
import type { InvoiceContext } from './context.ts';
import { el, xmlDocument, type XmlNode } from './xml.ts';
import { CHORUS_STATUS_LABELS } from '../../../domain/lifecycle.ts';

export type PivotFile = { name: string; mimeType: string; type: '01' | '02'; content: Buffer; zipped: Buffer; idOriginal: string };

/** Pivot decimals carry 6 digits (fixtures: 3245.000000); rates are fractions (2.1 % → 0.021). */
function amount6(value: string): string {
  return Decimal.parse(value).toString(6);
}
function rateFraction(percent: string): string {
  return Decimal.parse(percent).div(Decimal.fromInteger(100), 4).toString();
}

export type PivotUnit = { context: InvoiceContext; files: PivotFile[]; minimal: boolean };

function unit(numOrdre: number, { context, files, minimal }: PivotUnit): XmlNode {
  const { invoice, supplier, structure, service } = context;
  const renvoi = invoice.cycle === 0 ? 'Non' : invoice.history.some((h) => h.code === 'COMPLETEE') ? 'Complétée' : 'Recyclée';
  return el('CPPFacturePivotUnitaire', { NumOrdre: String(numOrdre) }, [
    el('Fournisseur', {}, [
      el('TypeIdentifiant', {}, '1'),
      el('Identifiant', {}, supplier.siret),
      el('RaisonSociale', {}, supplier.name),
      el('CodePays', {}, 'FR'),
      el('ReferenceBancaire', { Type: 'IBAN' }, [el('Compte', {}, invoice.iban), el('Etablissement', {}, supplier.bankName)]),
      el('ModeEmission', {}, invoice.form === 'PDF' ? 'PDF' : 'flux'),
    ]),
    el('Debiteur', {}, [
      el('TypeIdentifiant', {}, '1'),
      el('Identifiant', {}, structure.siret),
      el('Nom', {}, structure.name),
      service ? el('CodeService', {}, service.codeService) : null,
      service ? el('NomService', {}, service.libelleService) : null,
    ]),
    el('DonneesFacture', {}, [
      el('Id', {}, invoice.numeroFacture),
      el('IdCPRO', {}, String(invoice.idFacture)),
      el('Renvoi', {}, renvoi),
      invoice.numeroFactureOrigine ? el('IdFactureOrigine', {}, invoice.numeroFactureOrigine.slice(0, 20)) : null,
      el('Type', {}, invoice.typeFacture === 'AVOIR' ? '381' : '380'),
      el('Cadre', {}, 'A1'),
      el('DateEmissionFacture', {}, invoice.dateFacture),
      el('ModePaiement', {}, [el('Code', {}, '30'), el('Libelle', {}, 'Virement')]),
      el('DateReception', {}, invoice.dateDepot),
      el('Devise', {}, invoice.devise),
      el('Montants', {}, [
        el('MontantHT', {}, amount6(invoice.totals.ht)),
        el('MontantTTC', {}, amount6(invoice.totals.ttc)),
        el('MontantNetAPayer', {}, amount6(invoice.totals.apayer)),
      ]),
      minimal
        ? null
        : el(
            'TVAs',
            {},
            invoice.vat.map((v) => el('TVA', {}, [el('Taux', {}, rateFraction(v.rate)), el('BaseHt', {}, amount6(v.base)), el('MontantTVA', {}, amount6(v.amount))])),
          ),
      invoice.numeroBonCommande || invoice.numeroMarche
        ? el('Engagement', {}, [
            el('NumeroMarche', {}, invoice.numeroMarche ?? ''),
            el('NumeroEngagement', {}, invoice.numeroBonCommande ?? ''),
          ])
        : null,
      minimal
        ? null
        : el(
            'Lignes',
            {},
            invoice.lines.map((l) =>
              el('Ligne', { NumOrdre: l.id }, [
                el('ReferenceProduit', {}, l.reference),
                el('PrixUnitaire', {}, amount6(l.unitPrice)),
                el('Quantite', {}, l.quantity),
                el('MontantHT', {}, amount6(l.netAmount)),
                el('TauxTVA', {}, rateFraction(l.vatRate)),
              ]),
            ),
          ),
    ]),
    ...files.map((file, index) =>
      el('PJ', { NumOrdre: String(index + 1) }, [
        el('IdOriginal', {}, file.idOriginal),
        el('Contenu', {}, file.zipped.toString('base64')),
        el('NomPJ', {}, file.name.slice(0, 50)),
        el('NomPJOrigine', {}, file.name.slice(0, 50)),
        el('TypePJ', {}, file.type),
        el('MimeTypePJ', {}, file.mimeType),
      ]),
    ),
    el(
      'CycleDeValidation',
      {},
      invoice.history
        .filter((h) => PIVOT_STATUS_CODES[h.code] !== undefined)
        .map((h) =>
          el('ValidationUnitaire', {}, [
            el('DateStatut', {}, h.at.slice(0, 10)),
            el('CodeStatut', {}, PIVOT_STATUS_CODES[h.code] as string),
            el('ComplementStatut', {}, (CHORUS_STATUS_LABELS as Partial<Record<ChorusStatus, string>>)[h.code] ?? h.code),
            h.commentaire ? el('Commentaire', {}, h.commentaire) : null,
            el('ProducteurStatut', {}, [
              el('TypeIdentifiant', {}, '1'),
              el('Id', {}, h.nom === 'Chorus Pro' || h.code === 'COMPLETEE' || h.code === 'DEPOSEE' ? supplier.siret : structure.siret),
              el('RaisonSociale', {}, h.nom === 'Chorus Pro' || h.code === 'COMPLETEE' || h.code === 'DEPOSEE' ? supplier.name : structure.name),
              el('CodePays', {}, 'FR'),
            ]),
          ]),
        ),
    ),
  ]);
}

/** One pivot file holding one or several invoices. `flowDate` is the production date (DtPrd). */
export function writePivot(units: PivotUnit[], flowDate: string, flowId: string): string {
  const root = el('CPPFacturePivot', { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:noNamespaceSchemaLocation': 'FEN0036A' }, [
    el('Enveloppe', {}, [
      el('EnveloppeUnitaire', { NumOrdre: '1' }, [
        el('Parametres', {}, [
          el('ParametreIndiv', { NumOrdre: '0001' }, [el('Code', {}, 'DtPrd'), el('Valeurparametre', {}, flowDate)]),
          el('ParametreIndiv', { NumOrdre: '0002' }, [el('Code', {}, 'IdFlx'), el('Valeurparametre', {}, flowId)]),
        ]),
        el('Partenaires', {}, [
          el('Recepteur', {}, [el('Id', {}, 'LIASSE'), el('Libelle', {}, 'Liasse')]),
          el('Emetteur', {}, [el('Id', {}, 'CPP001'), el('Libelle', {}, 'Application Chorus Portail Pro')]),
        ]),
      ]),
    ]),
    el('CPPFactures', { Compteur: String(units.length) }, units.map((u, index) => unit(index + 1, u))),
  ]);
  return xmlDocument(root);
}
