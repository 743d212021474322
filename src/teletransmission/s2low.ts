// Client of S²low's Hélios API (Libriciel), as documented in its source (libriciel/s2low,
// public.ssl/modules/helios/api/*) and used by Pastell. Authentication is a TLS client certificate
// (RGS), plus HTTP Basic when one certificate is shared by several S²low accounts (NOTES.md §7).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { type Teletransmission, TeletransmissionError, type TransmissionState, type TransmissionStatus } from './types.ts';

export const S2LOW_PATHS = {
  testConnexion: '/api/test-connexion.php',
  importer: '/modules/helios/api/helios_importer_fichier.php',
  status: '/modules/helios/api/helios_transac_get_status.php',
  acquit: '/modules/helios/helios_download_acquit.php',
  listRetour: '/modules/helios/api/helios_get_list.php',
  getRetour: '/modules/helios/api/helios_get_retour.php',
  changeStatus: '/modules/helios/api/helios_change_status.php',
} as const;

/** S2low\Enum\HeliosStatus */
export const HELIOS_STATUS = {
  ERREUR: -1,
  ANNULE: 0,
  POSTE: 1,
  EN_ATTENTE: 2,
  TRANSMIS: 3,
  ACQUITTE: 4,
  VALIDE: 5,
  REFUSE: 6,
  EN_TRAITEMENT: 7,
  INFORMATION_DISPONIBLE: 8,
} as const;

export type S2lowOptions = {
  baseUrl: string;
  /** PEM client certificate and key (or a PKCS#12 bundle in pfx). */
  cert?: string | Buffer;
  key?: string | Buffer;
  pfx?: Buffer;
  passphrase?: string;
  /** PEM CA of the S²low server, when it is not in the system store (a test platform). */
  ca?: string | Buffer;
  login?: string;
  password?: string;
  timeoutMs?: number;
};

export function s2lowOptionsFromEnv(env: Record<string, string | undefined> = process.env): S2lowOptions {
  const url = env.S2LOW_URL?.trim();
  if (!url) throw new TeletransmissionError('S2LOW_URL est requis pour transmettre par S²low (ex. https://s2low.example.fr).');
  const read = (name: string) => {
    const file = env[name]?.trim();
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new TeletransmissionError(`${name} : impossible de lire ${file} (${(error as Error).message}).`);
    }
  };
  const options: S2lowOptions = { baseUrl: url };
  const cert = read('S2LOW_CERT');
  const key = read('S2LOW_KEY');
  const pfx = read('S2LOW_PFX');
  const ca = read('S2LOW_CA');
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (pfx) options.pfx = pfx;
  if (ca) options.ca = ca;
  if (env.S2LOW_KEY_PASSPHRASE) options.passphrase = env.S2LOW_KEY_PASSPHRASE;
  if (env.S2LOW_LOGIN) options.login = env.S2LOW_LOGIN;
  if (env.S2LOW_PASSWORD) options.password = env.S2LOW_PASSWORD;
  if (url.startsWith('https:') && !cert && !pfx) {
    throw new TeletransmissionError('S²low authentifie par certificat client : définir S2LOW_CERT et S2LOW_KEY (PEM) ou S2LOW_PFX.');
  }
  return options;
}

function tag(xml: string, name: string): string | null {
  const match = new RegExp(`<${name}[^>]*>([\\s\\S]*?)</${name}>`).exec(xml);
  return match ? decodeEntities(match[1]!.trim()) : null;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Decodes an S²low answer: the status API says ISO-8859-1, the import API UTF-8. */
function decodeBody(body: Buffer): string {
  const head = body.subarray(0, 100).toString('latin1');
  return /encoding=["']ISO-8859-1["']/i.test(head) ? body.toString('latin1') : body.toString('utf8');
}

export function stateOfHeliosStatus(status: number): TransmissionState {
  if (status === HELIOS_STATUS.ACQUITTE || status === HELIOS_STATUS.INFORMATION_DISPONIBLE || status === HELIOS_STATUS.VALIDE) return 'acknowledged';
  if (status === HELIOS_STATUS.REFUSE) return 'rejected';
  if (status === HELIOS_STATUS.ERREUR || status === HELIOS_STATUS.ANNULE) return 'error';
  if (status === HELIOS_STATUS.TRANSMIS || status === HELIOS_STATUS.EN_TRAITEMENT) return 'transmitted';
  return 'pending';
}

export class S2lowChannel implements Teletransmission {
  readonly channel = 's2low';
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly options: S2lowOptions) {
    this.base = new URL(options.baseUrl);
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ...(options.cert ? { cert: options.cert } : {}),
            ...(options.key ? { key: options.key } : {}),
            ...(options.pfx ? { pfx: options.pfx } : {}),
            ...(options.passphrase ? { passphrase: options.passphrase } : {}),
            ...(options.ca ? { ca: options.ca } : {}),
          })
        : new http.Agent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, pathname: string, query: Record<string, string> = {}, body?: { headers: Record<string, string>; write: (req: http.ClientRequest) => Promise<void> }): Promise<{ status: number; body: Buffer }> {
    const url = new URL(pathname, this.base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const headers: Record<string, string> = { ...(body?.headers ?? {}) };
    if (this.options.login) headers.authorization = `Basic ${Buffer.from(`${this.options.login}:${this.options.password ?? ''}`).toString('base64')}`;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent: this.agent, timeout: this.options.timeoutMs ?? 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new TeletransmissionError(`S²low ne répond pas (${url.host}).`)));
      req.on('error', (error) => reject(new TeletransmissionError(`S²low injoignable (${url.host}) : ${error.message}`)));
      if (body) body.write(req).then(() => req.end(), (error: Error) => req.destroy(error));
      else req.end();
    });
  }

  async testConnection(): Promise<boolean> {
    const response = await this.request('GET', S2LOW_PATHS.testConnexion);
    return response.status === 200 && response.body.toString('utf8').trim().startsWith('OK');
  }

  /** POST multipart/form-data, the file in the field `enveloppe`, streamed from disk. */
  async send(file: { path: string; fileName: string }): Promise<{ transmissionId: string; message: string }> {
    const boundary = `----liasse${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="enveloppe"; filename="${file.fileName}"\r\nContent-Type: application/xml\r\n\r\n`,
      'utf8',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
    const size = fs.statSync(file.path).size;
    const response = await this.request('POST', S2LOW_PATHS.importer, {}, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
      write: async (req) => {
        req.write(head);
        for await (const chunk of fs.createReadStream(file.path)) {
          if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
        }
        req.write(tail);
      },
    });
    const text = decodeBody(response.body);
    const resultat = tag(text, 'resultat');
    const id = tag(text, 'id');
    const message = tag(text, 'message') ?? text.trim().slice(0, 300);
    if (response.status !== 200 || resultat !== 'OK' || !id) {
      throw new TeletransmissionError(`S²low a refusé le fichier ${file.fileName} : ${message || `HTTP ${response.status}`}`);
    }
    return { transmissionId: id, message };
  }

  async status(transmissionId: string): Promise<TransmissionStatus> {
    const response = await this.request('GET', S2LOW_PATHS.status, { transaction: transmissionId });
    const text = decodeBody(response.body);
    const resultat = tag(text, 'resultat');
    const message = tag(text, 'message') ?? '';
    if (response.status !== 200 || resultat !== 'OK') {
      throw new TeletransmissionError(`S²low : état de la transaction ${transmissionId} illisible : ${message || `HTTP ${response.status}`}`);
    }
    const code = Number(tag(text, 'status'));
    return { state: stateOfHeliosStatus(code), code: String(code), message };
  }

  async fetchAcquit(transmissionId: string): Promise<Buffer | null> {
    const response = await this.request('GET', S2LOW_PATHS.acquit, { id: transmissionId });
    if (response.status !== 200 || !response.body.subarray(0, 500).toString('latin1').includes('PES_ACQUIT')) return null;
    return response.body;
  }
}
