// Errors at the HTTP edge: every failure becomes { error: { code, message } } with a French
// message a person can act on. Use cases throw their own errors; they are mapped here, once.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ForbiddenError } from '../domain/roles.ts';
import { UserError } from '../app/users/users.ts';

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

/** Maps an error thrown by a use case to a status: ours by class, the colleagues' by their code or name. */
export function statusOf(error: unknown): { status: number; code: string; message: string; details?: unknown } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  if (error instanceof ForbiddenError) return { status: 403, code: 'FORBIDDEN', message: error.message };
  if (error instanceof UserError) return { status: USER_ERROR_STATUS[error.code], code: error.code, message: error.message };
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
  if (/(Domain|Rule|Validation|Transition|Decision|Mandat|MandatCheck|Bordereau|Import|Match|Share|Publish|Tenant|Timeline|Teletransmission|NotLate|Search)Error$/.test(name)) {
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
