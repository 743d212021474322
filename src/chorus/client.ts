// The production client of the Chorus Pro recipient-side API through PISTE (API.md §1–§2).
// Two credentials on every call: the PISTE application's OAuth2 token (Authorization: Bearer) and
// the technical account (cpro-account: base64 "login:password"). Every failure becomes one
// ChorusError whose `kind` says which party is wrong, so callers (sync, publish, `chorus check`)
// decide on retry / alert without parsing messages.
import type {
  ChorusCheckPart,
  ChorusCheckStep,
  ChorusDiagnosis,
  ChorusEnvelope,
  ConsulterFactureResponse,
  ConsulterHistoriqueResponse,
  ConsulterServiceResponse,
  ConsulterStructureResponse,
  FactureRecipiendaire,
  HistoStatut,
  ParametresRetour,
  Rattachement,
  RechercherFactureATraiterRequest,
  RechercherFactureParRecipiendaireRequest,
  RechercherFactureParRecipiendaireResponse,
  RechercherStructureRequest,
  SearchReceivedInvoicesFilter,
  ServiceStructure,
  StructureActive,
  StructureTrouvee,
  TelechargerGroupeRequest,
  TraiterFactureRecueRequest,
  TraiterFactureRecueResponse,
  TypeDemandePaiement,
} from './types.ts';

export const PISTE_PRODUCTION = {
  apiUrl: 'https://api.piste.gouv.fr',
  tokenUrl: 'https://oauth.piste.gouv.fr/api/oauth/token',
} as const;
export const PISTE_SANDBOX = {
  apiUrl: 'https://sandbox-api.piste.gouv.fr',
  tokenUrl: 'https://sandbox-oauth.piste.gouv.fr/api/oauth/token',
} as const;

export type ChorusErrorKind =
  | 'piste-auth'
  | 'account'
  | 'functional'
  | 'too-large'
  | 'unavailable'
  | 'network'
  | 'invalid-response';

export class ChorusError extends Error {
  readonly kind: ChorusErrorKind;
  /** The endpoint path called, e.g. "/cpro/factures/v1/traiter/recue". */
  readonly endpoint: string;
  readonly httpStatus: number | null;
  /** Set when kind is 'functional'. */
  readonly codeRetour: number | null;
  readonly libelle: string | null;

  constructor(
    kind: ChorusErrorKind,
    message: string,
    details: { endpoint: string; httpStatus?: number | null; codeRetour?: number | null; libelle?: string | null; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ChorusError';
    this.kind = kind;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus ?? null;
    this.codeRetour = details.codeRetour ?? null;
    this.libelle = details.libelle ?? null;
  }
}

export type ChorusRetryEvent = {
  endpoint: string;
  attempt: number;
  delayMs: number;
  reason: string;
};

export type ChorusClientOptions = {
  apiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  login: string;
  password: string;
  /** Per HTTP request (default 30 000 ms, as OCA). */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, 429 and 5xx (default 4). */
  maxRetries?: number;
  /** First backoff delay, doubled each retry, with ±50 % jitter (default 500 ms). */
  retryBaseDelayMs?: number;
  /** Longest wait between two attempts, Retry-After included (default 30 000 ms). */
  maxRetryDelayMs?: number;
  /** Token renewed this long before its expiry (default 60 s). */
  tokenRenewMarginSeconds?: number;
  /** OAuth scope sent with the token request (default "openid", as Pastell and OCA). */
  scope?: string | null;
  fetch?: typeof fetch;
  onRetry?: (event: ChorusRetryEvent) => void;
  /** Clock, for tests of token expiry. */
  now?: () => number;
};

export type ChorusToken = { accessToken: string; tokenType: string; expiresAt: number };

export type ChorusClient = {
  readonly apiUrl: string;
  getToken(): Promise<ChorusToken>;
  /** Forgets the cached token (the next call asks a new one). */
  invalidateToken(): void;
  rechercherFactureParRecipiendaire(
    request: RechercherFactureParRecipiendaireRequest,
  ): Promise<RechercherFactureParRecipiendaireResponse>;
  /** Every matching invoice, page after page; codeRetour 20000 is an empty result. */
  searchReceivedInvoices(filter: SearchReceivedInvoicesFilter): AsyncGenerator<FactureRecipiendaire>;
  rechercherFactureATraiterParRecipiendaire(
    request?: RechercherFactureATraiterRequest,
  ): Promise<RechercherFactureParRecipiendaireResponse>;
  consulterFactureParRecipiendaire(idFacture: number): Promise<ConsulterFactureResponse>;
  /** The decoded fichierResultat: pivot XML (PIVOT), a PDF or a ZIP (PDF). */
  telechargerGroupeFacture(request: TelechargerGroupeRequest): Promise<Buffer>;
  traiterFactureRecue(request: TraiterFactureRecueRequest): Promise<TraiterFactureRecueResponse>;
  /** The whole status history (all pages), newest first. */
  consulterHistoriqueFacture(idFacture: number): Promise<ConsulterHistoriqueResponse>;
  recupererStructuresActivesDestinataire(): Promise<StructureActive[]>;
  /** Every service of a structure (all pages). */
  rechercherServicesStructure(idStructure: number): Promise<ServiceStructure[]>;
  consulterStructure(idStructure: number): Promise<ConsulterStructureResponse>;
  consulterServiceStructure(idStructure: number, idService: number): Promise<ConsulterServiceResponse>;
  rechercherStructure(request: RechercherStructureRequest): Promise<StructureTrouvee[]>;
  recupererRattachements(): Promise<Rattachement[]>;
  healthCheck(): Promise<{ statusCode: string; statusCodeValue: number; body: unknown }>;
  recupererTauxTva(): Promise<{ tauxTva: string; valeurTva?: number }[]>;
  recupererEtatsPossiblesPourTraitement(statutCourant: string): Promise<string[]>;
  recupererEtatParTypeDemandePaiement(typeDemandePaiement?: TypeDemandePaiement): Promise<string[]>;
  recupererCadreFacturation(typeDemandePaiement?: TypeDemandePaiement): Promise<string[]>;
  recupererTypeDemandePaiement(): Promise<string[]>;
  /** Any other POST endpoint under /cpro (path after the API base), with the same error handling. */
  post<T extends ChorusEnvelope>(path: string, body: unknown): Promise<T>;
  /** Connectivity and credentials diagnosis; never throws. */
  check(): Promise<ChorusDiagnosis>;
};

const FACTURES = '/cpro/factures/v1';
const STRUCTURES = '/cpro/structures/v1';
const TRANSVERSES = '/cpro/transverses/v1';
const UTILISATEURS = '/cpro/utilisateurs/v1';

/** codeRetour of a search that found nothing: an empty list, not an error (Pastell). */
export const CODE_AUCUN_RESULTAT = 20000;
/** codeRetour of a forbidden status transition. */
export const CODE_TRANSITION_INTERDITE = 20002;

const PASSWORD_EXPIRY_WARNING_DAYS = 15;

export function createChorusClient(options: ChorusClientOptions): ChorusClient {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const tokenUrl = options.tokenUrl;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = options.maxRetries ?? 4;
  const baseDelay = options.retryBaseDelayMs ?? 500;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  const marginMs = (options.tokenRenewMarginSeconds ?? 60) * 1000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const cproAccount = Buffer.from(`${options.login}:${options.password}`, 'utf8').toString('base64');

  let cached: ChorusToken | null = null;
  let pending: Promise<ChorusToken> | null = null;
  // A token that just got a 401 right after being issued: the account is wrong, not the token;
  // renewing it again on the next call would only hide the real cause.
  let tokenRefusedByAccount: string | null = null;

  function backoff(attempt: number): number {
    const exponential = baseDelay * 2 ** attempt;
    const jitter = 0.5 + Math.random();
    return Math.min(maxDelay, Math.round(exponential * jitter));
  }

  function retryAfterMs(header: string | null): number | null {
    if (header === null || header.trim() === '') return null;
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(maxDelay, seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.min(maxDelay, Math.max(0, date - Date.now()));
    return null;
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function send(url: string, init: RequestInit, endpoint: string): Promise<Response> {
    try {
      return await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      const detail = timedOut ? `pas de réponse en ${timeoutMs} ms` : (cause?.code ?? (error as Error).message);
      throw new ChorusError('network', `Chorus Pro injoignable (${endpoint}) : ${detail}`, { endpoint, cause: error });
    }
  }

  function isRetryableStatus(status: number): boolean {
    return status === 429 || status >= 500;
  }

  async function fetchToken(): Promise<ChorusToken> {
    const endpoint = 'token';
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
    });
    const scope = options.scope === undefined ? 'openid' : options.scope;
    if (scope) body.set('scope', scope);
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await send(
          tokenUrl,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: body.toString(),
          },
          endpoint,
        );
      } catch (error) {
        if (attempt < maxRetries) {
          const delayMs = backoff(attempt);
          options.onRetry?.({ endpoint, attempt: attempt + 1, delayMs, reason: (error as Error).message });
          await sleep(delayMs);
          continue;
        }
        throw error;
      }
      const text = await response.text();
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        throw new ChorusError(
          'piste-auth',
          `Application PISTE refusée (HTTP ${response.status}) : vérifiez CHORUS_CLIENT_ID et CHORUS_CLIENT_SECRET ` +
            `et que l'URL du jeton (${tokenUrl}) correspond au même environnement (bac à sable ou production).`,
          { endpoint, httpStatus: response.status },
        );
      }
      if (isRetryableStatus(response.status)) {
        if (attempt < maxRetries) {
          const delayMs = retryAfterMs(response.headers.get('retry-after')) ?? backoff(attempt);
          options.onRetry?.({ endpoint, attempt: attempt + 1, delayMs, reason: `HTTP ${response.status}` });
          await sleep(delayMs);
          continue;
        }
        throw new ChorusError('unavailable', `Serveur de jetons PISTE indisponible (HTTP ${response.status}).`, {
          endpoint,
          httpStatus: response.status,
        });
      }
      if (!response.ok) {
        throw new ChorusError('invalid-response', `Réponse inattendue du serveur de jetons PISTE (HTTP ${response.status}).`, {
          endpoint,
          httpStatus: response.status,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      const token = parsed as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | null;
      const expiresIn = Number(token?.expires_in);
      if (
        !token ||
        typeof token.access_token !== 'string' ||
        token.access_token === '' ||
        typeof token.token_type !== 'string' ||
        token.token_type === '' ||
        !Number.isFinite(expiresIn) ||
        expiresIn <= 0
      ) {
        // PISTE has answered 200 with an empty body (Pastell #1682): never use such a token.
        throw new ChorusError('invalid-response', 'Jeton PISTE incomplet (access_token, token_type ou expires_in manquant).', {
          endpoint,
          httpStatus: response.status,
        });
      }
      return { accessToken: token.access_token, tokenType: token.token_type, expiresAt: now() + expiresIn * 1000 };
    }
  }

  async function getToken(): Promise<ChorusToken> {
    if (cached && cached.expiresAt - marginMs > now()) return cached;
    // One token request at a time even when several calls start together.
    pending ??= fetchToken().finally(() => {
      pending = null;
    });
    cached = await pending;
    return cached;
  }

  function accountError(endpoint: string, status: number): ChorusError {
    const message =
      status === 401
        ? `Compte technique Chorus Pro refusé (HTTP 401) : vérifiez CHORUS_LOGIN et CHORUS_PASSWORD ` +
          `(le mot de passe du compte technique expire tous les 424 jours).`
        : `Accès refusé par Chorus Pro (HTTP 403) : l'application PISTE n'est pas abonnée à cette API, ` +
          `ou le compte technique n'est pas rattaché à la structure, ou le raccordement API n'est pas déclaré dans Chorus Pro.`;
    return new ChorusError('account', message, { endpoint, httpStatus: status });
  }

  async function request<T extends ChorusEnvelope>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    acceptCodes: readonly number[] = [],
  ): Promise<T> {
    const endpoint = path;
    let renewedAfter401 = false;
    for (let attempt = 0; ; ) {
      const hadCachedToken = cached !== null && cached.expiresAt - marginMs > now();
      const token = await getToken();
      let response: Response;
      try {
        response = await send(
          `${apiUrl}${path}`,
          {
            method,
            headers: {
              Authorization: `Bearer ${token.accessToken}`,
              'cpro-account': cproAccount,
              'Content-Type': 'application/json;charset=utf-8',
              Accept: 'application/json;charset=utf-8',
            },
            body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
          },
          endpoint,
        );
      } catch (error) {
        if (attempt < maxRetries) {
          const delayMs = backoff(attempt);
          attempt += 1;
          options.onRetry?.({ endpoint, attempt, delayMs, reason: (error as Error).message });
          await sleep(delayMs);
          continue;
        }
        throw error;
      }
      const text = await response.text();
      const status = response.status;
      if (status === 401 || status === 403) {
        // A cached token may have expired server-side before our clock says so: renew it once.
        if (status === 401 && hadCachedToken && !renewedAfter401 && tokenRefusedByAccount !== token.accessToken) {
          renewedAfter401 = true;
          if (cached?.accessToken === token.accessToken) cached = null;
          continue;
        }
        if (status === 401) tokenRefusedByAccount = token.accessToken;
        throw accountError(endpoint, status);
      }
      if (status === 413) {
        throw new ChorusError('too-large', 'Téléchargement refusé par Chorus Pro : plus de 120 Mo (HTTP 413). Demandez moins de factures à la fois.', {
          endpoint,
          httpStatus: status,
        });
      }
      if (isRetryableStatus(status)) {
        if (attempt < maxRetries) {
          const delayMs = (status === 429 || status === 503 ? retryAfterMs(response.headers.get('retry-after')) : null) ?? backoff(attempt);
          attempt += 1;
          options.onRetry?.({ endpoint, attempt, delayMs, reason: `HTTP ${status}` });
          await sleep(delayMs);
          continue;
        }
        throw new ChorusError('unavailable', `Chorus Pro indisponible (HTTP ${status} après ${attempt + 1} tentatives) sur ${endpoint}.`, {
          endpoint,
          httpStatus: status,
        });
      }
      let parsed: unknown;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch (error) {
        throw new ChorusError('invalid-response', `Réponse de Chorus Pro illisible (HTTP ${status}, pas du JSON) sur ${endpoint}.`, {
          endpoint,
          httpStatus: status,
          cause: error,
        });
      }
      const envelope = parsed as Partial<ChorusEnvelope> | null;
      const codeRetour = envelope && typeof envelope === 'object' ? Number(envelope.codeRetour ?? (status === 200 ? 0 : Number.NaN)) : Number.NaN;
      // Both error styles of the real API: HTTP 200 with codeRetour ≠ 0, or HTTP 400 with the same body.
      if ((status === 200 || status === 400) && Number.isInteger(codeRetour)) {
        if (codeRetour === 0 || acceptCodes.includes(codeRetour)) {
          if (status !== 200) {
            throw new ChorusError('invalid-response', `Réponse incohérente de Chorus Pro (HTTP ${status} avec codeRetour 0) sur ${endpoint}.`, {
              endpoint,
              httpStatus: status,
            });
          }
          return { ...(envelope as object), codeRetour } as T;
        }
        const libelle = typeof envelope?.libelle === 'string' ? envelope.libelle : '';
        throw new ChorusError('functional', `Chorus Pro a refusé la demande (${codeRetour}${libelle ? ` : ${libelle}` : ''}) sur ${endpoint}.`, {
          endpoint,
          httpStatus: status,
          codeRetour,
          libelle,
        });
      }
      throw new ChorusError('invalid-response', `Réponse inattendue de Chorus Pro (HTTP ${status}) sur ${endpoint}.`, {
        endpoint,
        httpStatus: status,
      });
    }
  }

  const post = <T extends ChorusEnvelope>(path: string, body: unknown, acceptCodes?: readonly number[]) =>
    request<T>('POST', path, body, acceptCodes);

  function emptySearch(response: ChorusEnvelope): RechercherFactureParRecipiendaireResponse {
    return {
      ...(response as RechercherFactureParRecipiendaireResponse),
      listeFactures: [],
      pageCourante: (response as Partial<RechercherFactureParRecipiendaireResponse>).pageCourante ?? null,
      pages: (response as Partial<RechercherFactureParRecipiendaireResponse>).pages ?? null,
      nbResultatsParPage: (response as Partial<RechercherFactureParRecipiendaireResponse>).nbResultatsParPage ?? null,
      total: (response as Partial<RechercherFactureParRecipiendaireResponse>).total ?? 0,
    };
  }

  async function searchPage(path: string, body: unknown): Promise<RechercherFactureParRecipiendaireResponse> {
    const response = await post<RechercherFactureParRecipiendaireResponse>(path, body, [CODE_AUCUN_RESULTAT]);
    if (response.codeRetour === CODE_AUCUN_RESULTAT || !Array.isArray(response.listeFactures)) return emptySearch(response);
    return response;
  }

  async function* searchReceivedInvoices(filter: SearchReceivedInvoicesFilter): AsyncGenerator<FactureRecipiendaire> {
    const { pageSize = 500, ...criteria } = filter;
    const seen = new Set<number>();
    for (let page = 1; ; page += 1) {
      const response = await searchPage(`${FACTURES}/rechercher/recipiendaire`, {
        ...criteria,
        paramRecherche: { pageResultatDemandee: page, nbResultatsParPage: pageSize, nbResultatsMaximum: 999_999 },
      });
      let fresh = 0;
      for (const facture of response.listeFactures) {
        if (seen.has(facture.idFacture)) continue;
        seen.add(facture.idFacture);
        fresh += 1;
        yield facture;
      }
      if (!hasNextPage(response, page, response.listeFactures.length, fresh, seen.size)) return;
    }
  }

  /**
   * Whether another page exists. pageCourante/pages/total may all be null (official examples): then
   * a full page means "maybe more" and an empty page or a page with nothing new ends the loop (so a
   * server that ignores the page number cannot make us loop forever).
   */
  function hasNextPage(response: Partial<ParametresRetour>, page: number, received: number, fresh: number, seenSoFar: number): boolean {
    if (received === 0 || fresh === 0) return false;
    const current = response.pageCourante ?? page;
    if (typeof response.pages === 'number') return current < response.pages;
    if (typeof response.total === 'number') return seenSoFar < response.total;
    return true;
  }

  async function consulterHistoriqueFacture(idFacture: number): Promise<ConsulterHistoriqueResponse> {
    const pageSize = 100;
    let first: ConsulterHistoriqueResponse | null = null;
    const all: HistoStatut[] = [];
    const seen = new Set<number>();
    for (let page = 1; ; page += 1) {
      const response = await post<ConsulterHistoriqueResponse>(`${FACTURES}/consulter/historique`, {
        idFacture,
        paramRechercheHistoStatuts: {
          pageResultatDemandeeListeHistoStatut: page,
          nbResultatsParPageListeHistoStatut: pageSize,
          triSensListeHistoStatut: 'Descendant',
          triColonneListeHistoStatut: 'DatePassage',
        },
      });
      first ??= response;
      const histo = response.historiquesDesStatuts;
      const items = Array.isArray(histo?.histoStatut) ? histo.histoStatut : [];
      let fresh = 0;
      for (const item of items) {
        if (seen.has(item.histoStatutId)) continue;
        seen.add(item.histoStatutId);
        all.push(item);
        fresh += 1;
      }
      const more = hasNextPage(
        {
          pageCourante: histo?.pageCouranteHistoStatut ?? null,
          pages: histo?.pagesHistoStatut ?? null,
          total: histo?.totalHistoStatut ?? null,
          nbResultatsParPage: histo?.nbResultatsParPageHistoStatut ?? null,
        },
        page,
        items.length,
        fresh,
        seen.size,
      );
      // Without any pagination field a short page is the last one.
      if (!more || (histo?.pagesHistoStatut == null && histo?.totalHistoStatut == null && items.length < pageSize)) break;
    }
    const base = first as ConsulterHistoriqueResponse;
    return {
      ...base,
      historiquesDesStatuts: {
        ...base.historiquesDesStatuts,
        histoStatut: all,
        pageCouranteHistoStatut: 1,
        pagesHistoStatut: 1,
        nbResultatsParPageHistoStatut: all.length,
        totalHistoStatut: all.length,
      },
    };
  }

  async function rechercherServicesStructure(idStructure: number): Promise<ServiceStructure[]> {
    const pageSize = 1000;
    const services: ServiceStructure[] = [];
    const seen = new Set<number>();
    for (let page = 1; ; page += 1) {
      const response = await post<ChorusEnvelope & { listeServices?: ServiceStructure[]; parametresRetour?: ParametresRetour }>(
        `${STRUCTURES}/rechercher/services`,
        { idStructure, parametresRechercherServicesStructure: { pageResultatDemandee: page, nbResultatsParPage: pageSize } },
        [CODE_AUCUN_RESULTAT],
      );
      const items = response.listeServices ?? [];
      let fresh = 0;
      for (const service of items) {
        if (seen.has(service.idService)) continue;
        seen.add(service.idService);
        services.push(service);
        fresh += 1;
      }
      const retour = response.parametresRetour ?? { pageCourante: null, pages: null, total: null, nbResultatsParPage: null };
      if (!hasNextPage(retour, page, items.length, fresh, seen.size)) break;
      if (retour.pages == null && retour.total == null && items.length < pageSize) break;
    }
    return services;
  }

  async function recupererStructuresActivesDestinataire(): Promise<StructureActive[]> {
    const response = await post<ChorusEnvelope & { listeStructures?: StructureActive[] }>(
      `${TRANSVERSES}/recuperer/structures/actives/destinataire`,
      {},
      [CODE_AUCUN_RESULTAT],
    );
    return response.listeStructures ?? [];
  }

  async function telechargerGroupeFacture(requestBody: TelechargerGroupeRequest): Promise<Buffer> {
    if (requestBody.idFactures.length === 0) throw new RangeError('telechargerGroupeFacture: idFactures is empty');
    const response = await post<ChorusEnvelope & { fichierResultat?: string }>(`${FACTURES}/telecharger/groupe`, {
      format: requestBody.format,
      listeFacture: requestBody.idFactures.map((idFacture) => ({ idFacture })),
      avecPiecesJointesComplementaires:
        requestBody.format === 'PDF' ? (requestBody.avecPiecesJointesComplementaires ? 'Oui' : 'Non') : null,
    });
    if (typeof response.fichierResultat !== 'string' || response.fichierResultat === '') {
      throw new ChorusError('invalid-response', 'Téléchargement Chorus Pro sans fichierResultat.', {
        endpoint: `${FACTURES}/telecharger/groupe`,
        httpStatus: 200,
      });
    }
    return Buffer.from(response.fichierResultat, 'base64');
  }

  async function check(): Promise<ChorusDiagnosis> {
    const steps: ChorusCheckStep[] = [];
    const warnings: string[] = [];
    let structures: StructureActive[] = [];
    const step = async (part: ChorusCheckPart, okMessage: string, run: () => Promise<void>): Promise<boolean> => {
      const started = Date.now();
      try {
        await run();
        steps.push({ part, ok: true, message: okMessage, durationMs: Date.now() - started });
        return true;
      } catch (error) {
        const failedPart = partOf(error, part);
        steps.push({ part: failedPart, ok: false, message: (error as Error).message, durationMs: Date.now() - started });
        return false;
      }
    };
    const done = (): ChorusDiagnosis => {
      const failed = steps.find((s) => !s.ok);
      return { ok: !failed, failedPart: failed?.part ?? null, steps, structures, warnings };
    };

    cached = null;
    if (!(await step('piste-application', `Application PISTE reconnue : jeton obtenu de ${tokenUrl}.`, async () => void (await getToken())))) {
      return done();
    }
    if (
      !(await step('technical-account', `Compte technique ${options.login} accepté par ${apiUrl}.`, async () => {
        structures = await recupererStructuresActivesDestinataire();
      }))
    ) {
      return done();
    }
    await step('structure-access', '', async () => {
      if (structures.length === 0) {
        throw new ChorusError(
          'functional',
          `Le compte technique ${options.login} n'est rattaché à aucune structure destinataire active : ` +
            `demandez au gestionnaire principal de la structure de le rattacher (espace « Raccordement EDI/API »).`,
          { endpoint: `${TRANSVERSES}/recuperer/structures/actives/destinataire` },
        );
      }
      for (const structure of structures) {
        const detail = await consulterStructure(structure.idStructureCPP);
        const expiry = detail.informationGenerales?.dateExpirationMotPasseCompteTech;
        if (typeof expiry === 'string' && expiry !== '') {
          const days = Math.floor((Date.parse(expiry) - Date.now()) / 86_400_000);
          if (days <= PASSWORD_EXPIRY_WARNING_DAYS) {
            warnings.push(`Le mot de passe du compte technique expire dans ${days} jour(s) (${expiry}) : faites-le renouveler.`);
          }
        }
      }
    });
    const last = steps[steps.length - 1];
    if (last && last.ok) {
      last.message = `Accès à ${structures.length} structure(s) : ${structures.map((s) => `${s.designationStructure} (${s.identifiant})`).join(', ')}.`;
    }
    return done();
  }

  async function consulterStructure(idStructure: number): Promise<ConsulterStructureResponse> {
    return post<ConsulterStructureResponse>(`${STRUCTURES}/consulter`, { idStructureCPP: idStructure, codeLangue: 'FR' });
  }

  return {
    apiUrl,
    getToken,
    invalidateToken() {
      cached = null;
    },
    rechercherFactureParRecipiendaire: (request) => searchPage(`${FACTURES}/rechercher/recipiendaire`, request),
    searchReceivedInvoices,
    rechercherFactureATraiterParRecipiendaire: (request = {}) => searchPage(`${FACTURES}/rechercher/atraiter/recipiendaire`, request),
    consulterFactureParRecipiendaire: (idFacture) =>
      post<ConsulterFactureResponse>(`${FACTURES}/consulter/recipiendaire`, { identifiantFactureCPP: idFacture }),
    telechargerGroupeFacture,
    traiterFactureRecue: ({ idFacture, nouveauStatut, motif, numeroDPMandat }) =>
      post<TraiterFactureRecueResponse>(`${FACTURES}/traiter/recue`, {
        idFacture,
        nouveauStatut,
        // Pastell truncates to 255 characters: Chorus refuses longer motifs.
        ...(motif !== undefined ? { motif: motif.slice(0, 255) } : {}),
        ...(numeroDPMandat !== undefined ? { numeroDPMandat } : {}),
      }),
    consulterHistoriqueFacture,
    recupererStructuresActivesDestinataire,
    rechercherServicesStructure,
    consulterStructure,
    consulterServiceStructure: (idStructure, idService) =>
      post<ConsulterServiceResponse>(`${STRUCTURES}/consulter/service`, { idStructure, idService, codeLangue: 'FR' }),
    rechercherStructure: async (requestBody) => {
      const response = await post<ChorusEnvelope & { listeStructures?: StructureTrouvee[] }>(`${STRUCTURES}/rechercher`, requestBody, [
        CODE_AUCUN_RESULTAT,
      ]);
      return response.listeStructures ?? [];
    },
    recupererRattachements: async () => {
      const response = await post<ChorusEnvelope & { listeStructureRattachement?: Rattachement[] }>(
        `${UTILISATEURS}/monCompte/recuperer/rattachements`,
        { parametresRecherche: { pageResultatDemandee: 1, nbResultatsParPage: 1000 } },
      );
      return response.listeStructureRattachement ?? [];
    },
    healthCheck: async () => {
      const response = await request<ChorusEnvelope & { statusCode: string; statusCodeValue: number; body: unknown }>(
        'GET',
        `${TRANSVERSES}/health-check`,
        undefined,
      );
      return { statusCode: response.statusCode, statusCodeValue: response.statusCodeValue, body: response.body };
    },
    recupererTauxTva: async () =>
      (await post<ChorusEnvelope & { listeTauxTva?: { tauxTva: string; valeurTva?: number }[] }>(`${TRANSVERSES}/recuperer/tauxtva`, {}))
        .listeTauxTva ?? [],
    recupererEtatsPossiblesPourTraitement: async (statutCourant) =>
      (
        (
          await post<ChorusEnvelope & { listeStatutsPossiblesPourTraitement?: { statutPossiblePourTraitement: string }[] }>(
            `${TRANSVERSES}/recuperer/etats/traitement`,
            { statutCourant },
          )
        ).listeStatutsPossiblesPourTraitement ?? []
      ).map((item) => item.statutPossiblePourTraitement),
    recupererEtatParTypeDemandePaiement: async (typeDemandePaiement = 'FACTURE') =>
      (
        (
          await post<ChorusEnvelope & { listeEtatDemandePaiement?: { etatDemandePaiement: string }[] }>(`${TRANSVERSES}/recuperer/etat/typedp`, {
            typeDemandePaiement,
          })
        ).listeEtatDemandePaiement ?? []
      ).map((item) => item.etatDemandePaiement),
    recupererCadreFacturation: async (typeDemandePaiement = 'FACTURE') =>
      (
        (
          await post<ChorusEnvelope & { listeCadreFacturation?: { codeCadreFacturation: string }[] }>(`${TRANSVERSES}/recuperer/cadrefacturation`, {
            typeDemandePaiement,
          })
        ).listeCadreFacturation ?? []
      ).map((item) => item.codeCadreFacturation),
    recupererTypeDemandePaiement: async () =>
      (
        (await post<ChorusEnvelope & { listeTypeDemandePaiement?: { typeDemandePaiement: string }[] }>(`${TRANSVERSES}/recuperer/typedp`, {}))
          .listeTypeDemandePaiement ?? []
      ).map((item) => item.typeDemandePaiement),
    post: (path, body) => post(path.startsWith('/') ? path : `/${path}`, body),
    check,
  };
}

function partOf(error: unknown, fallback: ChorusCheckPart): ChorusCheckPart {
  if (!(error instanceof ChorusError)) return fallback;
  switch (error.kind) {
    case 'network':
    case 'unavailable':
      return 'network';
    case 'piste-auth':
      return 'piste-application';
    case 'account':
      // A 403 with a fine token usually means the PISTE app is not subscribed to the API or the
      // account lacks the structure; 401 is the technical account itself.
      return error.httpStatus === 403 && fallback === 'structure-access' ? 'structure-access' : 'technical-account';
    default:
      return fallback;
  }
}

/** Builds the client from the CHORUS_* configuration; names what is missing. */
export function chorusClientFromConfig(
  chorus: { apiUrl?: string | undefined; tokenUrl?: string | undefined; clientId?: string | undefined; clientSecret?: string | undefined; login?: string | undefined; password?: string | undefined },
  extra: Partial<ChorusClientOptions> = {},
): ChorusClient {
  const missing = (
    [
      ['CHORUS_API_URL', chorus.apiUrl],
      ['CHORUS_TOKEN_URL', chorus.tokenUrl],
      ['CHORUS_CLIENT_ID', chorus.clientId],
      ['CHORUS_CLIENT_SECRET', chorus.clientSecret],
      ['CHORUS_LOGIN', chorus.login],
      ['CHORUS_PASSWORD', chorus.password],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`Configuration Chorus Pro incomplète : définissez ${missing.join(', ')}.`);
  }
  return createChorusClient({
    apiUrl: chorus.apiUrl as string,
    tokenUrl: chorus.tokenUrl as string,
    clientId: chorus.clientId as string,
    clientSecret: chorus.clientSecret as string,
    login: chorus.login as string,
    password: chorus.password as string,
    ...extra,
  });
}
