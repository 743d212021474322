// PES_Acquit reader (PES_V2/Rev0/PES_V2_Acquit_Autonome_V2.xsd, NOTES.md §5): what Hélios says of a
// PES_Aller — per bordereau (DomaineAck 5 Dépense), per PJ (4) and per pièce/ligne with error codes.
// The file is ISO-8859-1 in practice; the declared encoding is honoured.
import { SaxesParser } from 'saxes';

export const PES_ACQUIT_NAMESPACE = 'http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/retour/v2';

export type AcquitError = { code: string | null; label: string | null };
export type AcquitLine = { numLigne: number; errors: AcquitError[] };
export type AcquitPiece = { numPiece: number; errors: AcquitError[]; lines: AcquitLine[] };

export type AcquitElement = {
  /** 0 technique, 1–3 signatures, 4 PJ, 5 Dépense, 6 Recette, … */
  domaine: string;
  accepted: boolean;
  numBord: number | null;
  exerciceBord: number | null;
  idMarche: string | null;
  idUnique: string | null;
  errors: AcquitError[];
  pieces: AcquitPiece[];
};

export type PesAcquit = {
  nomFic: string;
  typFic: string | null;
  header: { dteStr: string | null; idPost: string | null; idColl: string | null; codCol: string | null; codBud: string | null };
  /** Enveloppe/Emetteur, when read from a file. */
  emitter?: { sigle: string; adresse: string };
  elements: AcquitElement[];
  /** The file is accepted only when every element is (STELA's rule; Pastell reads only the first). */
  accepted: boolean;
};

export class AcquitFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AcquitFormatError';
  }
}

export const DOMAINE_ACK_LABELS: Record<string, string> = {
  '0': 'Technique',
  '1': 'Signature technique',
  '2': 'Signature globale',
  '3': 'Signature bordereau',
  '4': 'PJ',
  '5': 'Dépense',
  '6': 'Recette',
  '7': 'Rôle',
  '8': 'Budget',
  '9': 'État actif',
  '10': 'État passif',
  '11': 'Marché',
  '12': 'Facture',
  '99': 'Paramétrage',
};

/** Decodes the bytes per the XML declaration (ISO-8859-1 or UTF-8). */
export function decodeXml(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = /encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  const latin = declared === 'iso-8859-1' || declared === 'latin1' || declared === 'iso-8859-15' || declared === 'windows-1252';
  return new TextDecoder(latin ? 'latin1' : 'utf-8').decode(bytes);
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export function parsePesAcquit(bytes: Uint8Array): PesAcquit {
  const parser = new SaxesParser({ xmlns: false });
  const stack: string[] = [];
  const result: PesAcquit = {
    nomFic: '',
    typFic: null,
    header: { dteStr: null, idPost: null, idColl: null, codCol: null, codBud: null },
    elements: [],
    accepted: true,
  };
  let element: AcquitElement | null = null;
  let piece: AcquitPiece | null = null;
  let line: AcquitLine | null = null;
  let error: AcquitError | null = null;
  let root: string | null = null;

  parser.on('opentag', (node) => {
    const name = localName(node.name);
    const parent = stack[stack.length - 1];
    stack.push(name);
    if (root === null) {
      root = name;
      if (name !== 'PES_ACQUIT') throw new AcquitFormatError(`Ce fichier n'est pas un PES_Acquit (racine ${node.name}).`);
      return;
    }
    const value = typeof node.attributes.V === 'string' ? node.attributes.V : null;
    switch (name) {
      case 'ElementACQUIT':
        element = { domaine: '', accepted: false, numBord: null, exerciceBord: null, idMarche: null, idUnique: null, errors: [], pieces: [] };
        result.elements.push(element);
        return;
      case 'DetailPiece':
        piece = { numPiece: 0, errors: [], lines: [] };
        element?.pieces.push(piece);
        return;
      case 'DetailLigne':
        line = { numLigne: 0, errors: [] };
        piece?.lines.push(line);
        return;
      case 'Erreur':
        error = { code: null, label: null };
        if (parent === 'DetailLigne') line?.errors.push(error);
        else if (parent === 'DetailPiece') piece?.errors.push(error);
        else element?.errors.push(error);
        return;
    }
    if (value === null) return;
    if (parent === 'Parametres' && name === 'NomFic') result.nomFic = value;
    else if (parent === 'Parametres' && name === 'TypFic') result.typFic = value;
    else if (parent === 'Emetteur' && (name === 'Sigle' || name === 'Adresse')) {
      result.emitter = { sigle: result.emitter?.sigle ?? '', adresse: result.emitter?.adresse ?? '', [name === 'Sigle' ? 'sigle' : 'adresse']: value };
    }
    else if (parent === 'EnTetePES') {
      if (name === 'DteStr') result.header.dteStr = value;
      else if (name === 'IdPost') result.header.idPost = value;
      else if (name === 'IdColl') result.header.idColl = value;
      else if (name === 'CodCol' || name === 'CodColl') result.header.codCol = value;
      else if (name === 'CodBud') result.header.codBud = value;
    } else if (parent === 'ElementACQUIT' && element) {
      if (name === 'DomaineAck') element.domaine = value;
      else if (name === 'EtatAck') element.accepted = value === '1' || value.toLowerCase() === 'true';
      else if (name === 'NumBord') element.numBord = value === '' ? null : Number(value);
      else if (name === 'ExerciceBord') element.exerciceBord = value === '' ? null : Number(value);
      else if (name === 'IdMarche') element.idMarche = value;
      else if (name === 'IdUnique') element.idUnique = value;
    } else if (parent === 'Erreur' && error) {
      if (name === 'NumAnoAck') error.code = value;
      else if (name === 'LibelleAnoAck') error.label = value;
    } else if (parent === 'DetailPiece' && name === 'NumPiece' && piece) piece.numPiece = Number(value);
    else if (parent === 'DetailLigne' && name === 'NumLigne' && line) line.numLigne = Number(value);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (cause) => {
    throw new AcquitFormatError(`PES_Acquit illisible : ${cause.message}`);
  });
  parser.write(decodeXml(bytes)).close();
  if (root !== 'PES_ACQUIT') throw new AcquitFormatError("Ce fichier n'est pas un PES_Acquit.");
  if (result.elements.length === 0) throw new AcquitFormatError('PES_Acquit sans ElementACQUIT.');
  result.accepted = result.elements.every((candidate) => candidate.accepted);
  return result;
}

/** "ERREUR_AUTRE : 1971 - Compte fonction présent à tort" */
export function describeAcquitError(error: AcquitError): string {
  return [error.code, error.label].filter(Boolean).join(' : ') || 'Erreur sans libellé';
}

/** Every reason given for a rejected element, at all levels, one line each. */
export function rejectionReasons(element: AcquitElement): string[] {
  const reasons = element.errors.map(describeAcquitError);
  for (const piece of element.pieces) {
    for (const error of piece.errors) reasons.push(`Pièce ${piece.numPiece} : ${describeAcquitError(error)}`);
    for (const line of piece.lines) {
      for (const error of line.errors) reasons.push(`Pièce ${piece.numPiece}, ligne ${line.numLigne} : ${describeAcquitError(error)}`);
    }
  }
  return reasons;
}

/**
 * What an acquittement says of one mandat, as an acquittement of its own (for the archive of that
 * mandat): the file-level elements (technical, signatures, parameters), the bordereau's Dépense
 * element with its bordereau-level errors and only this piece's detail, and the PJ elements of
 * this mandat's PJ. Other mandats' pieces and PJ are left out.
 */
export function acquitExtract(acquit: PesAcquit, mandat: { numBord: number; exercice: number; numPiece: number; idUniques: readonly string[] }): Omit<PesAcquit, 'accepted'> {
  const elements: AcquitElement[] = [];
  for (const element of acquit.elements) {
    if (element.domaine === '5') {
      if (element.numBord !== null && element.numBord !== mandat.numBord) continue;
      if (element.exerciceBord !== null && element.exerciceBord !== mandat.exercice) continue;
      elements.push({ ...element, pieces: element.pieces.filter((piece) => piece.numPiece === mandat.numPiece) });
    } else if (element.domaine === '4') {
      if (element.idUnique && mandat.idUniques.includes(element.idUnique)) elements.push(element);
    } else if (['0', '1', '2', '3', '99'].includes(element.domaine)) {
      elements.push(element);
    }
  }
  const { accepted: _accepted, ...rest } = acquit;
  return { ...rest, elements };
}
