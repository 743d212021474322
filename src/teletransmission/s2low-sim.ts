// A local S²low-compatible server for the Hélios API (`liasse s2low-sim`): the paths, parameters and
// answers of libriciel/s2low (helios_importer_fichier.php, helios_transac_get_status.php,
// helios_download_acquit.php, …), TLS with a required client certificate when given a CA, and a
// simulated Hélios that acknowledges each PES (or rejects it on demand) with a PES_Acquit.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AcquitElement } from '../formats/pes/acquit.ts';
import { buildPesAcquit } from '../formats/pes/acquit-writer.ts';
import { validatePesFile, xmllintAvailable } from '../formats/pes/validate.ts';
import { HELIOS_STATUS, S2LOW_PATHS } from './s2low.ts';

export type SimOutcome = { accepted: true } | { accepted: false; reason: string; code?: string; piece?: number | null };

export type PesSummary = {
  nomFic: string;
  header: { dteStr: string; idPost: string; idColl: string; codCol: string; codBud: string };
  bordereaux: { exer: number; idBord: number; pieces: number[] }[];
  pjs: string[];
};

export type SimTransaction = {
  id: number;
  filename: string;
  sha1: string;
  status: number;
  message: string;
  summary: PesSummary | null;
  outcome: SimOutcome;
  acquit: Buffer | null;
};

export type S2lowSimOptions = {
  host?: string;
  port?: number;
  /** PEM; with `ca`, a client certificate signed by it is required (as on S²low). */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  login?: string;
  password?: string;
  /** Validate each PES against the schemas (xmllint); an invalid file ends in status -1 (ERREUR). */
  validate?: boolean;
  /** Decides Hélios' answer for each file; default: accepted. */
  decide?: (summary: PesSummary | null) => SimOutcome;
  log?: (line: string) => void;
};

export type S2lowSimulator = {
  url: string;
  transactions: Map<number, SimTransaction>;
  /** The next file posted is rejected with this reason (then back to `decide`). */
  rejectNext(reason: string, piece?: number | null): void;
  /**
   * Moves every file `steps` steps along its way, as that many status polls would (Hélios working
   * while nobody asks): tests reach the acquittement with one poll instead of three.
   */
  advance(steps?: number): void;
  close(): Promise<void>;
};

function attr(xml: string, name: string): string {
  return new RegExp(`<${name} V="([^"]*)"`).exec(xml)?.[1] ?? '';
}

/** What the simulator needs from a PES_Aller; PJ contents are skipped, not decoded. */
export function summarisePes(bytes: Buffer): PesSummary | null {
  const text = bytes.toString('latin1').replace(/<Fichier[^>]*>[^<]*<\/Fichier>/g, '');
  if (!/PES_Aller/.test(text)) return null;
  const header = /<EnTetePES>([\s\S]*?)<\/EnTetePES>/.exec(text)?.[1] ?? '';
  const bordereaux = [...text.matchAll(/<Bordereau[\s>][\s\S]*?<\/Bordereau>/g)].map((match) => ({
    exer: Number(attr(match[0], 'Exer')),
    idBord: Number(attr(match[0], 'IdBord')),
    pieces: [...match[0].matchAll(/<IdPce V="(\d+)"/g)].map((piece) => Number(piece[1])),
  }));
  const pjSection = /<PES_PJ>([\s\S]*)<\/PES_PJ>/.exec(text)?.[1] ?? '';
  const pjs = [...pjSection.matchAll(/<\/Contenu><IdUnique V="([^"]+)"/g)].map((match) => match[1]!);
  return {
    nomFic: attr(text, 'NomFic'),
    header: { dteStr: attr(header, 'DteStr'), idPost: attr(header, 'IdPost'), idColl: attr(header, 'IdColl'), codCol: attr(header, 'CodCol'), codBud: attr(header, 'CodBud') },
    bordereaux,
    pjs,
  };
}

export function simulatedAcquit(summary: PesSummary, outcome: SimOutcome, today = new Date().toISOString().slice(0, 10)): Buffer {
  const elements: AcquitElement[] = [];
  for (const bordereau of summary.bordereaux) {
    const element: AcquitElement = { domaine: '5', accepted: outcome.accepted, numBord: bordereau.idBord, exerciceBord: bordereau.exer, idMarche: null, idUnique: null, errors: [], pieces: [] };
    if (!outcome.accepted) {
      const error = { code: outcome.code ?? 'ERREUR_AUTRE', label: outcome.reason };
      if (outcome.piece && bordereau.pieces.includes(outcome.piece)) element.pieces.push({ numPiece: outcome.piece, errors: [error], lines: [] });
      else element.errors.push(error);
    }
    elements.push(element);
  }
  for (const idUnique of summary.pjs) {
    elements.push({ domaine: '4', accepted: outcome.accepted, numBord: null, exerciceBord: null, idMarche: null, idUnique, errors: [], pieces: [] });
  }
  return buildPesAcquit({ nomFic: summary.nomFic, typFic: 'PESALR2', header: { ...summary.header, dteStr: today }, elements });
}

/** Extracts the `enveloppe` part of a multipart/form-data body. */
function enveloppeOf(body: Buffer, contentType: string): { filename: string; content: Buffer } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd === -1) return null;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    if (next === -1) return null;
    if (/name="enveloppe"/.test(headers)) {
      return { filename: /filename="([^"]*)"/.exec(headers)?.[1] ?? 'enveloppe.xml', content: body.subarray(headerEnd + 4, next) };
    }
    start = next + 2;
  }
  return null;
}

function xml(root: string, fields: Record<string, string | number>, encoding: 'UTF-8' | 'ISO-8859-1'): Buffer {
  const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = Object.entries(fields).map(([key, value]) => `<${key}>${escape(String(value))}</${key}>`).join('');
  const text = `<?xml version="1.0" encoding="${encoding}"?>\n<${root}>${body}</${root}>\n`;
  return Buffer.from(text, encoding === 'UTF-8' ? 'utf8' : 'latin1');
}

export async function startS2lowSimulator(options: S2lowSimOptions = {}): Promise<S2lowSimulator> {
  const transactions = new Map<number, SimTransaction>();
  const log = options.log ?? (() => undefined);
  let nextId = 1;
  let pendingRejection: SimOutcome | null = null;
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'liasse-s2low-sim-'));
  const validate = options.validate === true && xmllintAvailable();

  // One step along POSTE → EN_ATTENTE → TRANSMIS → ACQUITTE | REFUSE.
  const step = (transaction: SimTransaction) => {
    if (transaction.status === HELIOS_STATUS.POSTE) transaction.status = HELIOS_STATUS.EN_ATTENTE;
    else if (transaction.status === HELIOS_STATUS.EN_ATTENTE) transaction.status = HELIOS_STATUS.TRANSMIS;
    else if (transaction.status === HELIOS_STATUS.TRANSMIS && transaction.summary) {
      transaction.acquit = simulatedAcquit(transaction.summary, transaction.outcome);
      transaction.status = transaction.outcome.accepted ? HELIOS_STATUS.ACQUITTE : HELIOS_STATUS.REFUSE;
    }
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const send = (status: number, body: Buffer | string, type = 'text/xml') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (options.login) {
      const expected = `Basic ${Buffer.from(`${options.login}:${options.password ?? ''}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(200, 'KO\nÉchec de l\'authentification', 'text/plain; charset=utf-8');
    }
    if (url.pathname === S2LOW_PATHS.testConnexion) return send(200, 'OK', 'text/plain');
    if (url.pathname === S2LOW_PATHS.importer && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const part = enveloppeOf(Buffer.concat(chunks), req.headers['content-type'] ?? '');
      if (!part) return send(200, xml('import', { id: '', resultat: 'KO', message: 'Echec lors du téléchargement du fichier' }, 'UTF-8'));
      const sha1 = createHash('sha1').update(part.content).digest('hex');
      if ([...transactions.values()].some((transaction) => transaction.sha1 === sha1)) {
        return send(200, xml('import', { id: '', resultat: 'KO', message: 'doublon détecté. Ce fichier a déjà été posté' }, 'UTF-8'));
      }
      const id = nextId++;
      const summary = summarisePes(part.content);
      const outcome = pendingRejection ?? options.decide?.(summary) ?? { accepted: true };
      pendingRejection = null;
      const transaction: SimTransaction = { id, filename: part.filename, sha1, status: HELIOS_STATUS.POSTE, message: 'Fichier bien reçu par la plate-forme Helios', summary, outcome, acquit: null };
      if (!summary) {
        transaction.status = HELIOS_STATUS.ERREUR;
        transaction.message = "Le fichier n'est pas un PES_Aller";
      } else if (validate) {
        const file = path.join(scratch, `${id}.xml`);
        await fsp.writeFile(file, part.content);
        const result = await validatePesFile(file);
        await fsp.rm(file, { force: true });
        if (!result.valid) {
          transaction.status = HELIOS_STATUS.ERREUR;
          transaction.message = `PES invalide : ${result.errors.slice(0, 3).join(' | ')}`;
        }
      }
      transactions.set(id, transaction);
      log(`import ${part.filename} → transaction ${id} (${transaction.status === HELIOS_STATUS.ERREUR ? transaction.message : outcome.accepted ? 'sera acquitté' : 'sera rejeté'})`);
      return send(200, xml('import', { id, resultat: 'OK', message: 'Téléchargement du fichier réussi.' }, 'UTF-8'));
    }
    if (url.pathname === S2LOW_PATHS.status) {
      const id = Number(url.searchParams.get('transaction'));
      const transaction = transactions.get(id);
      if (!id) return send(200, xml('transaction', { id: 0, resultat: 'KO', message: 'Pas de numéro de transaction.', status: '' }, 'ISO-8859-1'));
      if (!transaction) return send(200, xml('transaction', { id, resultat: 'KO', message: 'Numéro de transaction invalide', status: '' }, 'ISO-8859-1'));
      // Each poll moves the file one step along POSTE → EN_ATTENTE → TRANSMIS → ACQUITTE | REFUSE.
      step(transaction);
      const messages: Record<number, string> = {
        [HELIOS_STATUS.EN_ATTENTE]: 'En attente de transmission',
        [HELIOS_STATUS.TRANSMIS]: 'Transmis au serveur Hélios',
        [HELIOS_STATUS.ACQUITTE]: 'Acquittement reçu',
        [HELIOS_STATUS.REFUSE]: 'Fichier refusé par Hélios',
      };
      const message = transaction.status === HELIOS_STATUS.ERREUR ? transaction.message : (messages[transaction.status] ?? transaction.message);
      return send(200, xml('transaction', { id, resultat: 'OK', message, status: transaction.status }, 'ISO-8859-1'));
    }
    if (url.pathname === S2LOW_PATHS.acquit) {
      const transaction = transactions.get(Number(url.searchParams.get('id')));
      if (!transaction?.acquit) return send(404, 'Acquittement non disponible', 'text/plain; charset=utf-8');
      res.writeHead(200, { 'content-type': 'text/xml', 'content-disposition': `attachment; filename="ACQUIT_${transaction.filename}"` });
      return res.end(transaction.acquit);
    }
    if (url.pathname === S2LOW_PATHS.listRetour) return send(200, '<?xml version="1.0" encoding="ISO-8859-1"?>\n<liste></liste>\n');
    if (url.pathname === S2LOW_PATHS.getRetour || url.pathname === S2LOW_PATHS.changeStatus) {
      return send(200, xml('retour', { resultat: 'KO', message: 'Aucun PES Retour pour ce simulateur' }, 'ISO-8859-1'));
    }
    if (url.pathname === '/_simulateur/rejet' && req.method === 'POST') {
      const piece = url.searchParams.get('piece');
      pendingRejection = { accepted: false, reason: url.searchParams.get('motif') ?? 'Rejet simulé', piece: piece ? Number(piece) : null };
      return send(200, 'OK', 'text/plain');
    }
    return send(404, 'Not found', 'text/plain');
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handler(req, res).catch((error: Error) => {
      log(`error: ${error.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Erreur interne du simulateur');
    });
  };
  const server = options.tls
    ? https.createServer(
        { cert: options.tls.cert, key: options.tls.key, ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}) },
        listener,
      )
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    transactions,
    rejectNext(reason, piece = null) {
      pendingRejection = { accepted: false, reason, piece };
    },
    advance(steps = 1) {
      for (let count = 0; count < steps; count += 1) for (const transaction of transactions.values()) step(transaction);
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
      await fsp.rm(scratch, { recursive: true, force: true });
    },
  };
}

export function readPem(file: string): Buffer {
  return fs.readFileSync(file);
}
