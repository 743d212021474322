// PES V2 PES_Aller writer, domaine Dépense plus PES_PJ (NOTES.md §2 and §4; schema
// PES_V2/Rev0/PES_Aller.xsd). Streaming: the XML goes out as it is produced, and each PJ flows from
// its source through gzip to base64 into the output one at a time, so memory holds one chunk of one
// PJ whatever the sizes. Encoding ISO-8859-1 as in practice; values pass through pesText first.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { escapeAttribute } from './text.ts';

export const PES_ALLER_NAMESPACE = 'http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller';

export type PesPjRef = { idUnique: string; nomPj: string; typePj: string };

export type PesTiers = {
  idTiers: string | null;
  natIdTiers: string | null;
  refTiers: string | null;
  catTiers: string;
  natJur: string;
  nom: string;
  address: { adr2: string; cp: string; ville: string } | null;
  bank: { iban: string; bic: string | null; titulaire: string } | null;
};

export type PesLine = {
  idLigne: number;
  nature: string;
  fonction: string | null;
  operation: string | null;
  facture: string | null;
  libVir1: string | null;
  modRegl: string | null;
  mtHt: string;
  mtTva: string | null;
  mtFactHt: string | null;
  rattach: { natPceOrig: string; exerRat: number; idPceOrig: number; idLigneOrig: number } | null;
  idMarche: string | null;
  tiers: PesTiers;
};

export type PesPiece = {
  codServ: string | null;
  idPce: number;
  typPce: string;
  natPce: string;
  obj: string | null;
  pjRefs: PesPjRef[];
  dgp: { start: string; end: string; days: number } | null;
  lines: PesLine[];
};

export type PesBordereau = {
  exer: number;
  idBord: number;
  date: string;
  typBord: string;
  mtCumulAnnuel: string | null;
  pieces: PesPiece[];
};

export type PesPj = {
  idUnique: string;
  nomPj: string;
  mimeType: string;
  typePj: string;
  description: string;
  refCompta: { exercice: number; typeObjet: string; identifiant: string };
  /** Opens the file's content; called when the PJ is written, one at a time. */
  open(): Readable;
};

export type PesAller = {
  fileName: string;
  generatedOn: string;
  emitter: { sigle: string; adresse: string };
  header: { idPost: string; idColl: string; codCol: string; codBud: string; libelleColBud: string | null };
  bordereaux: PesBordereau[];
  pjs: PesPj[];
};

/** Writes strings latin1-encoded with backpressure, grouped in chunks of about 64 KiB. */
class LatinWriter {
  private buffer: string[] = [];
  private length = 0;
  bytes = 0;
  constructor(private readonly out: Writable) {}

  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.length += text.length;
    if (this.length >= 65536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'latin1');
    this.buffer = [];
    this.length = 0;
    await this.writeRaw(chunk);
  }

  async writeRaw(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

function leaf(name: string, value: string | number | null | undefined): string {
  return value === null || value === undefined ? '' : `<${name} V="${escapeAttribute(String(value))}"/>`;
}

function cents(amount: string): bigint {
  const [integer = '0', fraction = ''] = amount.split('.');
  return BigInt(integer) * 100n + BigInt((fraction + '00').slice(0, 2)) * (integer.startsWith('-') ? -1n : 1n);
}

function amountOf(totalCents: bigint): string {
  const negative = totalCents < 0n;
  const magnitude = negative ? -totalCents : totalCents;
  return `${negative ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
}

export function bordereauTotals(bordereau: PesBordereau): { ht: string; tva: string | null } {
  let ht = 0n;
  let tva = 0n;
  let anyTva = false;
  for (const piece of bordereau.pieces) {
    for (const line of piece.lines) {
      ht += cents(line.mtHt);
      if (line.mtTva !== null) {
        tva += cents(line.mtTva);
        anyTva = true;
      }
    }
  }
  // MtBordTVA > 0 requires a line with MtTVA > 0 and vice versa: omit it when no VAT was sent.
  return { ht: amountOf(ht), tva: anyTva && tva > 0n ? amountOf(tva) : null };
}

function tiersXml(tiers: PesTiers): string {
  let xml = '<Tiers><InfoTiers>';
  xml += leaf('IdTiers', tiers.idTiers) + leaf('NatIdTiers', tiers.natIdTiers) + leaf('RefTiers', tiers.refTiers);
  xml += leaf('CatTiers', tiers.catTiers) + leaf('NatJur', tiers.natJur) + leaf('Nom', tiers.nom);
  xml += '</InfoTiers>';
  if (tiers.address) {
    xml += `<Adresse>${leaf('TypAdr', '1')}${leaf('Adr2', tiers.address.adr2)}${leaf('CP', tiers.address.cp)}${leaf('Ville', tiers.address.ville)}${leaf('CodRes', '0')}</Adresse>`;
  }
  if (tiers.bank) {
    xml += `<CpteBancaire>${leaf('BIC', tiers.bank.bic)}${leaf('IBAN', tiers.bank.iban)}${leaf('TitCpte', tiers.bank.titulaire)}</CpteBancaire>`;
  }
  return `${xml}</Tiers>`;
}

function pieceXml(piece: PesPiece): string {
  let xml = '<Piece><BlocPiece><InfoPce>';
  xml += leaf('CodServ', piece.codServ) + leaf('IdPce', piece.idPce) + leaf('TypPce', piece.typPce) + leaf('NatPce', piece.natPce);
  xml += leaf('Obj', piece.obj);
  for (const ref of piece.pjRefs) {
    xml += `<PJRef>${leaf('Support', '01')}${leaf('IdUnique', ref.idUnique)}${leaf('NomPJ', ref.nomPj)}${leaf('TypePJ', ref.typePj)}</PJRef>`;
  }
  xml += '</InfoPce>';
  if (piece.dgp) {
    // Dgp 0 = "dépense éligible" (sic, schema annotation of TDGP).
    xml += `<DGP>${leaf('Dgp', '0')}${leaf('DteDebDgp', piece.dgp.start)}${leaf('DteFinDgp', piece.dgp.end)}${leaf('DureeDgp', piece.dgp.days)}</DGP>`;
  }
  xml += '</BlocPiece>';
  for (const line of piece.lines) {
    xml += '<LigneDePiece><BlocLignePiece><InfoLignePce>';
    xml += leaf('IdLigne', line.idLigne) + leaf('Nature', line.nature) + leaf('Fonction', line.fonction) + leaf('Operation', line.operation);
    xml += leaf('Facture', line.facture) + leaf('LibVir1', line.libVir1) + leaf('ModRegl', line.modRegl) + leaf('TVAIntraCom', '0');
    xml += leaf('MtHT', line.mtHt) + leaf('MtTVA', line.mtTva) + leaf('MtFactHT', line.mtFactHt);
    xml += '</InfoLignePce>';
    if (line.rattach) {
      const r = line.rattach;
      xml += `<RattachPiece>${leaf('NatPceOrig', r.natPceOrig)}${leaf('ExerRat', r.exerRat)}${leaf('IdPceOrig', r.idPceOrig)}${leaf('IdLigneOrig', r.idLigneOrig)}</RattachPiece>`;
    }
    if (line.idMarche) xml += `<LiensIdent>${leaf('IdMarche', line.idMarche)}</LiensIdent>`;
    xml += `</BlocLignePiece>${tiersXml(line.tiers)}</LigneDePiece>`;
  }
  return `${xml}</Piece>`;
}

const BASE64_LINE = 76;

/** gzip then base64 of one PJ, written as lines of 76 characters; memory: one chunk. */
async function writePjContent(writer: LatinWriter, source: Readable): Promise<void> {
  await writer.flush();
  let carry = Buffer.alloc(0);
  let column = 0;
  const emit = async (bytes: Buffer) => {
    let text = bytes.toString('base64');
    let out = '';
    while (text.length > 0) {
      const room = BASE64_LINE - column;
      const part = text.slice(0, room);
      out += part;
      text = text.slice(part.length);
      column += part.length;
      if (column === BASE64_LINE) {
        out += '\n';
        column = 0;
      }
    }
    await writer.writeRaw(Buffer.from(out, 'latin1'));
  };
  await pipeline(source, createGzip({ level: 6 }), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = data.length - (data.length % 3);
      carry = Buffer.from(data.subarray(usable));
      if (usable > 0) await emit(data.subarray(0, usable));
    }
  });
  if (carry.length > 0) await emit(carry);
}

/** Streams the PES_Aller to `out` (not ended here); resolves with the byte count. */
export async function writePesAller(document: PesAller, out: Writable): Promise<number> {
  const writer = new LatinWriter(out);
  const h = document.header;
  await writer.write('<?xml version="1.0" encoding="ISO-8859-1"?>\n');
  await writer.write(`<n:PES_Aller xmlns:n="${PES_ALLER_NAMESPACE}">\n`);
  await writer.write(
    `<Enveloppe><Parametres>${leaf('Version', '2')}${leaf('TypFic', 'PESALR2')}${leaf('NomFic', document.fileName)}</Parametres>` +
      `<Emetteur>${leaf('Sigle', document.emitter.sigle)}${leaf('Adresse', document.emitter.adresse)}</Emetteur>` +
      `<Recepteur>${leaf('Sigle', 'HELIOS')}</Recepteur></Enveloppe>\n`,
  );
  await writer.write(
    `<EnTetePES>${leaf('DteStr', document.generatedOn)}${leaf('IdPost', h.idPost)}${leaf('IdColl', h.idColl)}` +
      `${leaf('CodCol', h.codCol)}${leaf('CodBud', h.codBud)}${leaf('LibelleColBud', h.libelleColBud)}</EnTetePES>\n`,
  );
  if (document.bordereaux.length > 0) {
    // InfoDematerialisee 0: no XAdES signature is applied by Liasse (1 without a signature is rejected).
    await writer.write(`<PES_DepenseAller><EnTeteDepense>${leaf('IdVer', '2')}${leaf('InfoDematerialisee', '0')}</EnTeteDepense>\n`);
    for (const bordereau of document.bordereaux) {
      const totals = bordereauTotals(bordereau);
      await writer.write(
        `<Bordereau Id="BORD_${bordereau.exer}_${bordereau.typBord}_${bordereau.idBord}"><BlocBordereau>` +
          `${leaf('Exer', bordereau.exer)}${leaf('IdBord', bordereau.idBord)}${leaf('DteBordEm', bordereau.date)}` +
          `${leaf('TypBord', bordereau.typBord)}${leaf('NbrPce', bordereau.pieces.length)}${leaf('MtCumulAnnuel', bordereau.mtCumulAnnuel)}` +
          `${leaf('MtBordHT', totals.ht)}${leaf('MtBordTVA', totals.tva)}</BlocBordereau>\n`,
      );
      for (const piece of bordereau.pieces) await writer.write(`${pieceXml(piece)}\n`);
      await writer.write('</Bordereau>\n');
    }
    await writer.write('</PES_DepenseAller>\n');
  }
  if (document.pjs.length > 0) {
    await writer.write(`<PES_PJ><EnTetePES_PJ>${leaf('IdVer', '1')}</EnTetePES_PJ>\n`);
    for (const pj of document.pjs) {
      await writer.write(`<PJ><Contenu><Fichier MIMEType="${escapeAttribute(pj.mimeType)}">\n`);
      await writePjContent(writer, pj.open());
      await writer.write(
        `</Fichier></Contenu>${leaf('IdUnique', pj.idUnique)}${leaf('NomPJ', pj.nomPj)}${leaf('TypePJ', pj.typePj)}` +
          `${leaf('Description', pj.description)}<RefCompta>${leaf('Domaine', '01')}${leaf('Exercice', pj.refCompta.exercice)}` +
          `${leaf('TypeObjet', pj.refCompta.typeObjet)}${leaf('Identifiant', pj.refCompta.identifiant)}</RefCompta></PJ>\n`,
      );
    }
    await writer.write('</PES_PJ>\n');
  }
  await writer.write('</n:PES_Aller>\n');
  await writer.flush();
  return writer.bytes;
}

/**
 * NomFic and file name: PESALR2_<SIRET>_<yyMMdd>_<NNN>.xml (STELA/Pastell practice, NOTES.md §6); the
 * counter makes it unique, since the acquittement is matched on it.
 */
export function pesAllerFileName(siret: string, date: string, counter: number): string {
  const yymmdd = date.replace(/-/g, '').slice(2, 8);
  return `PESALR2_${siret}_${yymmdd}_${String(counter).padStart(3, '0')}.xml`;
}
