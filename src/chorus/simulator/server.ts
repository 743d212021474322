// The Chorus Pro simulator over HTTP (Fastify): PISTE's token endpoint, the /cpro API with PISTE's
// gateway behaviour (401/403 with an empty body), runtime fault injection, and /_sim control hooks
// standing for the supplier, Hélios and the test harness.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ChorusStatus } from '../types.ts';
import {
  consulterHistorique,
  consulterRecipiendaire,
  consulterService,
  consulterStructure,
  rattachements,
  rechercherATraiter,
  rechercherRecipiendaire,
  rechercherServices,
  rechercherStructure,
  structuresActives,
  telechargerGroupe,
  traiterRecue,
  transverse,
  type ApiResult,
  type ApiSettings,
  type ErrorStyle,
} from './api.ts';
import { prerenderDocuments } from './documents/index.ts';
import { computeAmounts, DepositError, parseDeposit, type DepositMetadata } from './deposit.ts';
import type { SimInvoice } from './model.ts';
import { createRng } from './prng.ts';
import { todayIso } from './seed.ts';
import { parisNow, SimState } from './store.ts';

export const SIMULATOR_DEFAULTS = {
  port: 8790,
  host: '127.0.0.1',
  invoices: 300,
  seed: 'liasse',
  clientId: 'liasse-sim',
  clientSecret: 'liasse-sim-secret',
  login: 'TECH_1_liasse@cpro.fr',
  password: 'liasse-sim',
  tokenTtlSeconds: 3600,
  maxDownloadBytes: 120 * 1024 * 1024,
} as const;

export type FaultSettings = {
  /** Share of /cpro calls answered with one of `statuses` (0–1). */
  rate: number;
  statuses: number[];
  /** Retry-After (seconds) sent with 429 and 503. */
  retryAfterSeconds: number;
  /** Added to every /cpro call. */
  latencyMs: number;
  /** The next N /cpro calls get a 401 with an empty body. */
  unauthorizedNext: number;
  /** The next N /cpro calls get a 403 with an empty body. */
  forbiddenNext: number;
  /** Exact answers for the next /cpro calls, consumed in order (deterministic tests). */
  failNext: { status: number; retryAfterSeconds?: number }[];
  /** The next N token requests get HTTP 200 with an empty body (PISTE did that, Pastell #1682). */
  emptyTokenNext: number;
  errorStyle: ErrorStyle;
  /** Answer searches with pageCourante/pages/total = null, as the official examples do. */
  nullPagination: boolean;
  maxDownloadBytes: number;
  tokenTtlSeconds: number;
};

export type ChorusSimulatorOptions = {
  port?: number;
  host?: string;
  invoices?: number;
  seed?: string | number;
  /** "Today" of the seeded data (YYYY-MM-DD); default today. */
  referenceDate?: string;
  dataDir?: string | null;
  clientId?: string;
  clientSecret?: string;
  login?: string;
  password?: string;
  /** Expiry date of the technical account's password shown by structures/consulter. */
  passwordExpiry?: string;
  faults?: Partial<FaultSettings>;
  logger?: boolean;
};

export type ChorusSimulator = {
  url: string;
  tokenUrl: string;
  state: SimState;
  faults: FaultSettings;
  credentials: { clientId: string; clientSecret: string; login: string; password: string };
  app: FastifyInstance;
  close(): Promise<void>;
};

const ALLOWED_FAULT_KEYS: (keyof FaultSettings)[] = [
  'rate',
  'statuses',
  'retryAfterSeconds',
  'latencyMs',
  'unauthorizedNext',
  'forbiddenNext',
  'failNext',
  'emptyTokenNext',
  'errorStyle',
  'nullPagination',
  'maxDownloadBytes',
  'tokenTtlSeconds',
];

export function validateFaults(input: unknown): Partial<FaultSettings> {
  if (!input || typeof input !== 'object') throw new Error('faults: objet JSON attendu');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!ALLOWED_FAULT_KEYS.includes(key as keyof FaultSettings)) throw new Error(`faults: clé inconnue "${key}"`);
    out[key] = value;
  }
  if (out.rate !== undefined && !(typeof out.rate === 'number' && out.rate >= 0 && out.rate <= 1)) throw new Error('faults.rate: nombre entre 0 et 1');
  if (out.errorStyle !== undefined && !['mixed', 'http200', 'http400'].includes(out.errorStyle as string)) throw new Error('faults.errorStyle: mixed, http200 ou http400');
  for (const key of ['retryAfterSeconds', 'latencyMs', 'unauthorizedNext', 'forbiddenNext', 'emptyTokenNext', 'maxDownloadBytes', 'tokenTtlSeconds']) {
    if (out[key] !== undefined && !(typeof out[key] === 'number' && (out[key] as number) >= 0)) throw new Error(`faults.${key}: nombre positif`);
  }
  if (out.statuses !== undefined && !(Array.isArray(out.statuses) && out.statuses.every((s) => Number.isInteger(s) && s >= 400 && s <= 599))) {
    throw new Error('faults.statuses: liste de codes HTTP');
  }
  if (out.failNext !== undefined && !(Array.isArray(out.failNext) && out.failNext.every((f) => f && Number.isInteger((f as { status?: unknown }).status)))) {
    throw new Error('faults.failNext: liste de {status, retryAfterSeconds?}');
  }
  return out as Partial<FaultSettings>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startChorusSimulator(options: ChorusSimulatorOptions = {}): Promise<ChorusSimulator> {
  const credentials = {
    clientId: options.clientId ?? SIMULATOR_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? SIMULATOR_DEFAULTS.clientSecret,
    login: options.login ?? SIMULATOR_DEFAULTS.login,
    password: options.password ?? SIMULATOR_DEFAULTS.password,
  };
  const state = SimState.open({
    seed: String(options.seed ?? SIMULATOR_DEFAULTS.seed),
    invoices: options.invoices ?? SIMULATOR_DEFAULTS.invoices,
    ...(options.referenceDate ? { referenceDate: options.referenceDate } : {}),
    dataDir: options.dataDir ?? null,
  });
  const faults: FaultSettings = {
    rate: 0,
    statuses: [500, 503, 429],
    retryAfterSeconds: 1,
    latencyMs: 0,
    unauthorizedNext: 0,
    forbiddenNext: 0,
    failNext: [],
    emptyTokenNext: 0,
    errorStyle: 'mixed',
    nullPagination: false,
    maxDownloadBytes: SIMULATOR_DEFAULTS.maxDownloadBytes,
    tokenTtlSeconds: SIMULATOR_DEFAULTS.tokenTtlSeconds,
    ...validateFaults(options.faults ?? {}),
  };
  const faultRng = createRng(`faults:${options.seed ?? SIMULATOR_DEFAULTS.seed}`);
  const tokens = new Map<string, number>();
  const expectedAccount = Buffer.from(`${credentials.login}:${credentials.password}`, 'utf8').toString('base64');
  const passwordExpiry = options.passwordExpiry ?? new Date(Date.parse(`${todayIso()}T00:00:00Z`) + 200 * 86_400_000).toISOString().slice(0, 10);
  const settings = (): ApiSettings => ({
    errorStyle: faults.errorStyle,
    nullPagination: faults.nullPagination,
    maxDownloadBytes: faults.maxDownloadBytes,
    login: credentials.login,
    passwordExpiry,
  });

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 512 * 1024 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser(['application/octet-stream', 'application/pdf', 'application/xml', 'text/xml'], { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    // Malformed JSON and the like answer in Chorus's own envelope on /cpro.
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (request.url.startsWith('/cpro/')) {
      void reply.status(status === 500 ? 500 : 400).send({ codeRetour: 20003, libelle: `Requête invalide : ${error.message}` });
      return;
    }
    void reply.status(status).send({ error: error.message });
  });

  // ---- PISTE OAuth2 ------------------------------------------------------------------------
  app.post('/api/oauth/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    let clientId = form.client_id;
    let clientSecret = form.client_secret;
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
    if (basic) {
      const [id, ...secret] = Buffer.from(basic[1] as string, 'base64').toString('utf8').split(':');
      clientId ??= id;
      clientSecret ??= secret.join(':');
    }
    if (form.grant_type !== 'client_credentials') {
      return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
    }
    if (clientId !== credentials.clientId || clientSecret !== credentials.clientSecret) {
      return reply.status(401).send({ error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    if (faults.emptyTokenNext > 0) {
      faults.emptyTokenNext -= 1;
      return reply.status(200).header('content-type', 'application/json').send('');
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, Date.now() + faults.tokenTtlSeconds * 1000);
    return reply.send({ access_token: token, token_type: 'Bearer', expires_in: faults.tokenTtlSeconds, scope: form.scope ?? 'openid' });
  });

  // ---- /cpro gateway: latency, faults, authentication --------------------------------------
  const gateway = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.unauthorizedNext > 0) {
      faults.unauthorizedNext -= 1;
      void reply.status(401).send();
      return false;
    }
    if (faults.forbiddenNext > 0) {
      faults.forbiddenNext -= 1;
      void reply.status(403).send();
      return false;
    }
    const scripted = faults.failNext.shift();
    const injected = scripted ?? (faults.rate > 0 && faultRng.chance(faults.rate) ? { status: faultRng.pick(faults.statuses) } : null);
    if (injected) {
      if (injected.status === 429 || injected.status === 503) reply.header('retry-after', String(injected.retryAfterSeconds ?? faults.retryAfterSeconds));
      void reply.status(injected.status).send(injected.status >= 500 ? { message: 'Service temporairement indisponible' } : { message: 'Too Many Requests' });
      return false;
    }
    const bearer = /^Bearer\s+(\S+)$/.exec(request.headers.authorization ?? '');
    const expiry = bearer ? tokens.get(bearer[1] as string) : undefined;
    if (!expiry || expiry <= Date.now()) {
      void reply.status(401).send();
      return false;
    }
    if (request.headers['cpro-account'] !== expectedAccount) {
      void reply.status(401).send();
      return false;
    }
    return true;
  };

  const route = (path: string, handler: (body: unknown) => ApiResult | Promise<ApiResult>) => {
    app.post(path, async (request, reply) => {
      if (!(await gateway(request, reply))) return reply;
      const result = await handler(request.body ?? {});
      if (result.body === null) return reply.status(result.status).send();
      return reply.status(result.status).header('content-type', 'application/json;charset=utf-8').send(result.body);
    });
  };
  const F = '/cpro/factures/v1';
  route(`${F}/rechercher/recipiendaire`, (body) => rechercherRecipiendaire(state, body, settings()));
  route(`${F}/rechercher/atraiter/recipiendaire`, (body) => rechercherATraiter(state, body, settings()));
  route(`${F}/consulter/recipiendaire`, (body) => consulterRecipiendaire(state, body, settings()));
  route(`${F}/consulter/historique`, (body) => consulterHistorique(state, body, settings()));
  route(`${F}/telecharger/groupe`, (body) => telechargerGroupe(state, body, settings()));
  route(`${F}/traiter/recue`, (body) => traiterRecue(state, body, settings()));
  route('/cpro/transverses/v1/recuperer/structures/actives/destinataire', () => structuresActives(state));
  route('/cpro/structures/v1/rechercher', (body) => rechercherStructure(state, body, settings()));
  route('/cpro/structures/v1/rechercher/services', (body) => rechercherServices(state, body, settings()));
  route('/cpro/structures/v1/consulter', (body) => consulterStructure(state, body, settings()));
  route('/cpro/structures/v1/consulter/service', (body) => consulterService(state, body, settings()));
  route('/cpro/utilisateurs/v1/monCompte/recuperer/rattachements', (body) => rattachements(state, body, settings()));
  for (const operation of ['tauxtva', 'etats/traitement', 'etat/typedp', 'cadrefacturation', 'typedp']) {
    route(`/cpro/transverses/v1/recuperer/${operation}`, (body) => transverse(operation, body, settings()) as ApiResult);
  }
  app.get('/cpro/transverses/v1/health-check', async (request, reply) => {
    if (!(await gateway(request, reply))) return reply;
    return reply.send({ statusCode: 'OK', statusCodeValue: 200, body: 'Chorus Pro (simulateur Liasse) opérationnel' });
  });

  // ---- /_sim control hooks (no authentication: the simulator listens on loopback) ----------
  const invoiceOr404 = (id: string, reply: FastifyReply): SimInvoice | null => {
    const invoice = state.invoices.get(Number(id));
    if (!invoice) void reply.status(404).send({ error: `facture ${id} inconnue` });
    return invoice ?? null;
  };
  const supplierAgent = (invoice: SimInvoice) => {
    const supplier = state.suppliers.get(invoice.supplierId);
    return { nom: supplier?.name ?? 'Fournisseur', prenom: 'Fournisseur', email: null };
  };

  app.get('/_sim/faults', async () => faults);
  // Renders every invoice's documents now (a real Chorus serves stored files): benches call it
  // before timing so that they measure the client, not the simulator's PDF rendering.
  app.post('/_sim/prerender', async () => {
    const started = Date.now();
    const rendered = await prerenderDocuments(
      [...state.invoices.values()].map((invoice) => state.contextOf(invoice)),
      (key: string) => state.loadFile(key),
    );
    return { rendered, ms: Date.now() - started };
  });
  app.post('/_sim/faults', async (request, reply) => {
    try {
      Object.assign(faults, validateFaults(request.body));
    } catch (error) {
      return reply.status(400).send({ error: (error as Error).message });
    }
    return faults;
  });
  app.post('/_sim/token/expire', async () => {
    const count = tokens.size;
    tokens.clear();
    return { expired: count };
  });
  app.get('/_sim/posts', async () => ({ posts: state.posts }));
  app.get('/_sim/referential', async () => state.referential());
  app.get('/_sim/invoices/:id', async (request, reply) => {
    const invoice = invoiceOr404((request.params as { id: string }).id, reply);
    return invoice ?? reply;
  });
  app.post('/_sim/invoices/:id/completer', async (request, reply) => {
    const invoice = invoiceOr404((request.params as { id: string }).id, reply);
    if (!invoice) return reply;
    const comment = ((request.body ?? {}) as { commentaire?: string }).commentaire ?? 'Facture complétée par le fournisseur';
    const decision = state.transition(invoice, 'COMPLETEE', 'supplier', { motif: comment, agent: supplierAgent(invoice) });
    if (!decision.ok || decision.noop) return reply.status(409).send({ error: `impossible de compléter une facture ${invoice.statut}` });
    return { idFacture: invoice.idFacture, statut: invoice.statut };
  });
  app.post('/_sim/invoices/:id/recycler', async (request, reply) => {
    const invoice = invoiceOr404((request.params as { id: string }).id, reply);
    if (!invoice) return reply;
    const body = (request.body ?? {}) as { serviceCode?: string; structureSiret?: string; numeroBonCommande?: string | null };
    if (invoice.statut !== 'A_RECYCLER') return reply.status(409).send({ error: `impossible de recycler une facture ${invoice.statut}` });
    const structure = body.structureSiret ? [...state.structures.values()].find((s) => s.siret === body.structureSiret) : state.structures.get(invoice.structureId);
    if (!structure) return reply.status(400).send({ error: `structure ${body.structureSiret} inconnue` });
    const service = body.serviceCode ? structure.services.find((s) => s.codeService === body.serviceCode) : undefined;
    if (body.serviceCode && !service) return reply.status(400).send({ error: `service ${body.serviceCode} inconnu` });
    state.transition(invoice, 'DEPOSEE', 'supplier', { agent: supplierAgent(invoice) });
    // New routing data; the same idFacture goes through the system states again.
    state.moveToStructure(invoice, structure.idStructureCPP);
    if (service) invoice.serviceId = service.idService;
    if (body.numeroBonCommande !== undefined) invoice.numeroBonCommande = body.numeroBonCommande;
    invoice.cycle += 1;
    invoice.downloaded = false;
    const system = { nom: 'Chorus Pro', prenom: 'Système', email: null };
    state.transition(invoice, 'EN_COURS_ACHEMINEMENT', 'system', { agent: system });
    state.transition(invoice, 'MISE_A_DISPOSITION', 'system', { agent: system });
    return { idFacture: invoice.idFacture, statut: invoice.statut, cycle: invoice.cycle };
  });
  app.post('/_sim/invoices/:id/helios', async (request, reply) => {
    const invoice = invoiceOr404((request.params as { id: string }).id, reply);
    if (!invoice) return reply;
    const statut = ((request.body ?? {}) as { statut?: string }).statut as ChorusStatus | undefined;
    if (statut !== 'MISE_A_DISPOSITION_COMPTABLE' && statut !== 'MISE_EN_PAIEMENT' && statut !== 'COMPTABILISEE') {
      return reply.status(400).send({ error: 'statut: MISE_A_DISPOSITION_COMPTABLE, COMPTABILISEE ou MISE_EN_PAIEMENT' });
    }
    const decision = state.transition(invoice, statut, 'helios', { agent: { nom: 'Hélios', prenom: 'DGFiP', email: null } });
    if (!decision.ok) return reply.status(409).send({ error: `Hélios ne peut pas passer une facture ${invoice.statut} en ${statut}` });
    return { idFacture: invoice.idFacture, statut: invoice.statut };
  });
  app.post('/_sim/deposit', async (request, reply) => {
    const query = request.query as Record<string, string>;
    let content: Buffer;
    let filename: string;
    let metadata: DepositMetadata = {};
    let attachments: { filename: string; content: Buffer; mimeType: string }[] = [];
    if (Buffer.isBuffer(request.body)) {
      content = request.body;
      filename = query.filename ?? 'facture';
      metadata = { ...query } as DepositMetadata;
    } else {
      const body = (request.body ?? {}) as { filename?: string; contentBase64?: string; metadata?: DepositMetadata; attachments?: { filename: string; contentBase64: string; mimeType?: string }[] };
      if (!body.contentBase64 || !body.filename) return reply.status(400).send({ error: 'filename et contentBase64 sont obligatoires' });
      content = Buffer.from(body.contentBase64, 'base64');
      filename = body.filename;
      metadata = body.metadata ?? {};
      attachments = (body.attachments ?? []).map((a) => ({ filename: a.filename, content: Buffer.from(a.contentBase64, 'base64'), mimeType: a.mimeType ?? 'application/octet-stream' }));
    }
    try {
      const parsed = await parseDeposit(content, metadata);
      const m = parsed.metadata;
      const structure = [...state.structures.values()].find((s) => s.siret === m.structureSiret);
      if (!structure) return reply.status(400).send({ error: `destinataire inconnu de Chorus Pro : SIRET ${m.structureSiret ?? '(absent)'}` });
      if (!m.supplierSiret || !/^\d{14}$/.test(m.supplierSiret)) return reply.status(400).send({ error: 'SIRET du fournisseur absent ou invalide' });
      const service = m.serviceCode ? structure.services.find((s) => s.codeService === m.serviceCode) : undefined;
      const known = state.suppliersBySiret.get(m.supplierSiret);
      const supplier =
        known ??
        state.ensureSupplier({
          siret: m.supplierSiret,
          name: m.supplierName ?? `Fournisseur ${m.supplierSiret}`,
          vatId: '',
          iban: m.iban ?? '',
          bic: '',
          bankName: '',
          address: { line1: '', line2: null, postCode: '', city: '', countryCode: 'FR' },
          category: 'services',
          invoicePrefix: 'F',
          inReferential: false,
        });
      const { vat, totals } = computeAmounts(parsed.lines);
      const now = parisNow();
      const fileKey = await state.storeFile(content);
      const stored = [];
      for (const attachment of attachments) {
        stored.push({ name: attachment.filename.slice(0, 50), mimeType: attachment.mimeType, description: 'Pièce jointe', kind: 'stored' as const, fileKey: await state.storeFile(attachment.content) });
      }
      const invoice: SimInvoice = {
        idFacture: state.newInvoiceId(),
        numeroFacture: (m.numeroFacture ?? `DEP-${now.replace(/\D/g, '')}`).slice(0, 20),
        typeFacture: m.typeFacture ?? 'FACTURE',
        cadre: 'A1_FACTURE_FOURNISSEUR',
        form: parsed.form,
        modeDepot: parsed.form === 'PDF' ? 'DEPOT_PDF_API' : 'FLUX',
        structureId: structure.idStructureCPP,
        serviceId: service?.idService ?? null,
        supplierId: supplier.idFournisseur,
        iban: m.iban ?? supplier.iban,
        dateFacture: m.dateFacture ?? now.slice(0, 10),
        dateDepot: now.slice(0, 10),
        dateEcheance: new Date(Date.parse(`${now.slice(0, 10)}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10),
        devise: 'EUR',
        lines: parsed.lines,
        vat,
        totals: m.montantTTC && parsed.form === 'PDF' ? { ...totals, ttc: m.montantTTC, apayer: m.montantTTC } : totals,
        numeroBonCommande: m.numeroBonCommande ?? null,
        numeroMarche: m.numeroMarche ?? null,
        numeroFactureOrigine: m.numeroFactureOrigine ?? null,
        numeroDpMandat: null,
        statut: 'DEPOSEE',
        dateHeureEtatCourant: now,
        history: [],
        downloaded: false,
        attachments: stored,
        malformed: null,
        anomalies: [],
        duplicateOf: null,
        commentaire: null,
        cycle: 0,
        storedOriginal: { fileKey, name: filename.slice(0, 50), mimeType: content.subarray(0, 5).toString('latin1') === '%PDF-' ? 'application/pdf' : 'application/xml' },
      };
      state.addInvoice(invoice);
      const system = { nom: 'Chorus Pro', prenom: 'Système', email: null };
      state.pushStatus(invoice, 'DEPOSEE', supplierAgent(invoice));
      state.transition(invoice, 'EN_COURS_ACHEMINEMENT', 'system', { agent: system });
      state.transition(invoice, 'MISE_A_DISPOSITION', 'system', { agent: system });
      return reply.status(201).send({ idFacture: invoice.idFacture, numeroFacture: invoice.numeroFacture, statut: invoice.statut, form: invoice.form });
    } catch (error) {
      if (error instanceof DepositError) return reply.status(400).send({ error: error.message });
      throw error;
    }
  });

  await app.listen({ port: options.port ?? SIMULATOR_DEFAULTS.port, host: options.host ?? SIMULATOR_DEFAULTS.host });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    tokenUrl: `${url}/api/oauth/token`,
    state,
    faults,
    credentials,
    app,
    async close() {
      await app.close();
      state.saveNow();
    },
  };
}
