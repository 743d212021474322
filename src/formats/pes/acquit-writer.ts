// Builds a PES_Acquit (the S²low simulator answers with one, tests use it for rejected cases):
// the same structure Hélios returns, valid against PES_V2_Acquit_Autonome_V2.xsd.
import { PES_ACQUIT_NAMESPACE, type AcquitElement, type PesAcquit } from './acquit.ts';
import { escapeAttribute, pesText } from './text.ts';

function leaf(name: string, value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '' : `<${name} V="${escapeAttribute(String(value))}"/>`;
}

function errorsXml(errors: AcquitElement['errors']): string {
  return errors.map((error) => `<Erreur>${leaf('NumAnoAck', error.code)}${leaf('LibelleAnoAck', pesText(error.label, 500))}</Erreur>`).join('');
}

/** The acquittement as ISO-8859-1 bytes. */
export function buildPesAcquit(acquit: Omit<PesAcquit, 'accepted'>, emitter = acquit.emitter ?? { sigle: 'HELIOS', adresse: 'Simulateur Liasse' }): Buffer {
  const h = acquit.header;
  let xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n';
  xml += `<n:PES_ACQUIT xmlns:n="${PES_ACQUIT_NAMESPACE}">`;
  xml += `<Enveloppe><Parametres>${leaf('Version', '2')}${leaf('TypFic', acquit.typFic ?? 'PESALR2')}${leaf('NomFic', acquit.nomFic)}</Parametres>`;
  xml += `<Emetteur>${leaf('Sigle', emitter.sigle)}${leaf('Adresse', emitter.adresse)}</Emetteur></Enveloppe>`;
  xml += `<EnTetePES>${leaf('DteStr', h.dteStr)}${leaf('IdPost', h.idPost)}${leaf('IdColl', h.idColl)}${leaf('CodCol', h.codCol)}${leaf('CodBud', h.codBud)}</EnTetePES>`;
  xml += `<ACQUIT><EnTeteAcquit>${leaf('IdVer', '2')}</EnTeteAcquit>`;
  for (const element of acquit.elements) {
    xml += `<ElementACQUIT>${leaf('DomaineAck', element.domaine)}${leaf('EtatAck', element.accepted ? '1' : '0')}`;
    if (element.idUnique) xml += leaf('IdUnique', element.idUnique);
    else if (element.idMarche) xml += leaf('IdMarche', element.idMarche);
    else xml += leaf('NumBord', element.numBord) + leaf('ExerciceBord', element.exerciceBord);
    xml += errorsXml(element.errors);
    for (const piece of element.pieces) {
      xml += `<DetailPiece>${leaf('NumPiece', piece.numPiece)}${errorsXml(piece.errors)}`;
      for (const line of piece.lines) xml += `<DetailLigne>${leaf('NumLigne', line.numLigne)}${errorsXml(line.errors)}</DetailLigne>`;
      xml += '</DetailPiece>';
    }
    xml += '</ElementACQUIT>';
  }
  xml += '</ACQUIT></n:PES_ACQUIT>\n';
  return Buffer.from(xml, 'latin1');
}
