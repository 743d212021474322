// Errors at the HTTP edge: every failure becomes { error: { code, message } } with a French
// message a person can act on. Use cases throw their own errors; they are mapped here, once.
import type { FastifyError, FastifyInstance } from 'fastify';
import { EliminationError } from '../app/archive/eliminations.ts';
import { ExportError } from '../app/archive/export.ts';
import { InvoiceNotFoundError, NotLateError } from '../app/deadlines/index.ts';
import { MandatError } from '../app/mandate/mandats.ts';
import { MatchError } from '../app/match/run.ts';
import { PublishError } from '../app/publish/outbox.ts';
import { SearchError } from '../app/search/search.ts';
import { ShareLinkError } from '../app/sharing/index.ts';
import { SyncBusyError } from '../app/sync/lease.ts';
import { TenantError } from '../app/tenants.ts';
import { TimelineError } from '../app/timeline/index.ts';
import { UserError } from '../app/users/users.ts';
import { ChorusError } from '../chorus/client.ts';
import { DecisionError } from '../domain/decisions/catalogue.ts';
import { MissingInterestRateError } from '../domain/interest.ts';
import { LifecycleError } from '../domain/lifecycle.ts';
import { MandatCheckError } from '../domain/mandat/draft.ts';
import { ForbiddenError } from '../domain/roles.ts';
import { InvoiceFormatError } from '../formats/errors.ts';
import { AcquitFormatError } from '../formats/pes/acquit.ts';
import { PackageIntegrityError } from '../formats/seda/package.ts';
import { TeletransmissionError } from '../teletransmission/types.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const USER_ERROR_STATUS: Record<UserError['code'], number> = {
  USERNAME_TAKEN: 409,
  USERNAME_INVALID: 400,
  PASSWORD_TOO_SHORT: 400,
  ROLE_INVALID: 400,
  USER_NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
};

type Mapped = { status: number; code: string; message: string; details?: unknown };
type ErrorClass = abstract new (...args: any[]) => Error;

/** "… introuvable", "… inconnue" in a use case's message: the thing asked for does not exist (here). */
const NOT_FOUND_WORDING = /\b(introuvable|inconnue?)\b/i;

/**
 * Every business refusal of the use cases, by class: a 4xx and the French message of the use case.
 * A class missing here still falls to the name/code rules below; errors.test.ts checks each of these.
 */
export const BUSINESS_ERRORS: readonly { type: ErrorClass; map: (error: any) => Omit<Mapped, 'message'> }[] = [
  { type: ForbiddenError, map: () => ({ status: 403, code: 'FORBIDDEN' }) },
  { type: UserError, map: (error: UserError) => ({ status: USER_ERROR_STATUS[error.code], code: error.code }) },
  // The lifecycle refuses a transition from the invoice's current state: a conflict with that state.
  { type: LifecycleError, map: (error: LifecycleError) => ({ status: 409, code: `LIFECYCLE_${error.code.toUpperCase()}` }) },
  { type: DecisionError, map: (error: DecisionError) => notFoundOr(error, 422, 'DECISION_REFUSED') },
  // Checks that list their problems: the screen shows each one inline (details).
  { type: MandatCheckError, map: (error: MandatCheckError) => ({ status: 422, code: 'CHECKS_FAILED', details: error.problems }) },
  { type: MandatError, map: (error: MandatError) => notFoundOr(error, 422, 'MANDAT_REFUSED') },
  { type: MatchError, map: (error: MatchError) => notFoundOr(error, 422, 'MATCH_REFUSED') },
  { type: SearchError, map: () => ({ status: 400, code: 'SEARCH_INVALID' }) },
  { type: PublishError, map: (error: PublishError) => notFoundOr(error, 409, 'PUBLISH_REFUSED') },
  { type: InvoiceFormatError, map: () => ({ status: 422, code: 'INVOICE_FORMAT' }) },
  { type: AcquitFormatError, map: () => ({ status: 422, code: 'ACQUIT_FORMAT' }) },
  { type: PackageIntegrityError, map: () => ({ status: 422, code: 'PACKAGE_INTEGRITY' }) },
  { type: ShareLinkError, map: (error: ShareLinkError) => (error.reason === 'expired' || error.reason === 'revoked' ? { status: 410, code: 'SHARE_UNAVAILABLE' } : { status: 404, code: 'SHARE_UNAVAILABLE' }) },
  { type: TenantError, map: (error: TenantError) => notFoundOr(error, 422, 'TENANT_REFUSED', 'TENANT_NOT_FOUND') },
  { type: TimelineError, map: (error: TimelineError) => notFoundOr(error, 422, 'TIMELINE_REFUSED') },
  { type: InvoiceNotFoundError, map: () => ({ status: 404, code: 'INVOICE_NOT_FOUND' }) },
  { type: NotLateError, map: () => ({ status: 409, code: 'NOT_LATE' }) },
  { type: MissingInterestRateError, map: () => ({ status: 409, code: 'INTEREST_RATE_MISSING' }) },
  { type: EliminationError, map: (error: EliminationError) => notFoundOr(error, 422, 'ELIMINATION_REFUSED') },
  { type: ExportError, map: (error: ExportError) => notFoundOr(error, 422, 'EXPORT_REFUSED') },
  { type: SyncBusyError, map: () => ({ status: 409, code: 'SYNC_BUSY' }) },
  // Chorus Pro refusing the request itself (a status it does not allow, the account's rights) is a
  // refusal the user acts on; Chorus Pro down or unreachable is a 502 (below).
  {
    type: ChorusError,
    map: (error: ChorusError) =>
      error.kind === 'functional' || error.kind === 'account' || error.kind === 'piste-auth'
        ? { status: 422, code: 'CHORUS_REFUSED' }
        : error.kind === 'too-large'
          ? { status: 413, code: 'CHORUS_TOO_LARGE' }
          : { status: 502, code: 'CHORUS_UNAVAILABLE' },
  },
];

/**
 * Not refusals but a partner failing (the tiers de télétransmission): a 502 with their
 * French message, so the user knows it is not Liasse and can try again.
 */
const UPSTREAM_ERRORS: readonly { type: ErrorClass; code: string }[] = [
  { type: TeletransmissionError, code: 'TELETRANSMISSION_FAILED' },
];

function notFoundOr(error: Error, status: number, code: string, notFoundCode = 'NOT_FOUND'): Omit<Mapped, 'message'> {
  return NOT_FOUND_WORDING.test(error.message) ? { status: 404, code: notFoundCode } : { status, code };
}

/** Maps an error thrown by a use case to a status: known classes first, then by code or name. */
export function statusOf(error: unknown): Mapped {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  for (const entry of BUSINESS_ERRORS) {
    if (error instanceof entry.type) return { ...entry.map(error), message: error.message };
  }
  for (const entry of UPSTREAM_ERRORS) {
    if (error instanceof entry.type) return { status: 502, code: entry.code, message: error.message };
  }
  const candidate = error as Partial<FastifyError> & { code?: unknown; status?: unknown; name?: string; message?: string };
  if (typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
    return { status: candidate.statusCode, code: String(candidate.code ?? 'BAD_REQUEST'), message: candidate.message ?? 'Requête invalide.' };
  }
  const code = typeof candidate.code === 'string' ? candidate.code : '';
  const name = candidate.name ?? '';
  // Checks that list their problems (MandatCheckError): the screen shows each one inline.
  const problems = (error as { problems?: unknown }).problems;
  if (Array.isArray(problems)) return { status: 422, code: code || name || 'CHECKS_FAILED', message: candidate.message ?? 'Contrôles non satisfaits.', details: problems };
  if (/Tenant/.test(name) && /inconnue/.test(candidate.message ?? '')) return { status: 404, code: 'TENANT_NOT_FOUND', message: candidate.message! };
  if (/NOT_FOUND|NotFound/i.test(code) || /NotFound/.test(name)) {
    return { status: 404, code: code || 'NOT_FOUND', message: candidate.message ?? 'Introuvable.' };
  }
  if (/FORBIDDEN|Forbidden/.test(code) || /Forbidden/.test(name)) {
    return { status: 403, code: code || 'FORBIDDEN', message: candidate.message ?? 'Action non autorisée.' };
  }
  // A use case refusing an action for a business reason (exercice closed, transition refused, …).
  if (code && /^[A-Z][A-Z0-9_]+$/.test(code) && name !== 'Error' && name !== 'SqliteError') {
    return { status: 422, code, message: candidate.message ?? code };
  }
  if (/(Domain|Rule|Validation|Transition|Lifecycle|Decision|Mandat|MandatCheck|Bordereau|Import|Match|Share|Publish|Tenant|Timeline|NotLate|Search|Format)Error$/.test(name)) {
    return { status: 422, code: code || name, message: candidate.message ?? name };
  }
  return { status: 500, code: 'INTERNAL', message: 'Erreur interne du serveur ; elle a été journalisée.' };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = statusOf(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    if (mapped.status === 429 && error instanceof HttpError && typeof error.details === 'number') {
      void reply.header('retry-after', String(error.details));
    }
    void reply.code(mapped.status).send({ error: { code: mapped.code, message: mapped.message, details: mapped.details } });
  });
}
