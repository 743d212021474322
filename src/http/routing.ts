// How every API route is declared: method, URL, who may call it (`access`), zod schemas for its
// input, and a thin handler that calls a use case. `defineRoute` registers the route with Fastify
// and in the route table the OpenAPI document and the authorisation test read; a route under /api
// without an `access` is refused at start-up.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { SessionUser } from '../app/users/sessions.ts';
import { actorOnTenant } from '../app/users/users.ts';
import { type Actor, can, type Permission } from '../domain/roles.ts';
import { HttpError } from './errors.ts';

export type Access =
  /** Anyone: login, health, the OpenAPI document, a share link (which checks its own token). */
  | { kind: 'public' }
  /** Any signed-in user, about themselves (their session, the collectivités granted to them). */
  | { kind: 'session' }
  /** A signed-in user with a grant on the :tenantId of the URL whose role carries `permission`. */
  | { kind: 'tenant'; permission: Permission };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    session: SessionUser | null;
  }
}

export const SESSION_COOKIE = 'liasse_session';
export const CSRF_HEADER = 'x-csrf-token';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type HandlerInput<P, Q, B> = {
  params: P;
  query: Q;
  body: B;
  context: AppContext;
  /** Set for 'tenant' routes: the signed-in user acting on :tenantId with their role there. */
  actor: Actor;
  tenantId: string;
  session: SessionUser | null;
  request: FastifyRequest;
  reply: FastifyReply;
};

export type RouteSpec<P = any, Q = any, B = any> = {
  method: Method;
  /** Fastify path, e.g. /api/tenants/:tenantId/invoices/:invoiceId. */
  url: string;
  access: Access;
  summary: string;
  tags: string[];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A multipart upload (the handler reads request.file()). */
  multipart?: boolean;
  /** What the route answers, for the document: 'json' (default), or a media type such as application/pdf. */
  produces?: string;
  handler: (input: HandlerInput<P, Q, B>) => Promise<unknown>;
};

const ROUTES = new WeakMap<FastifyInstance, RouteSpec[]>();
const ALL_ROUTES = new WeakMap<FastifyInstance, { method: string; url: string; access: Access | undefined }[]>();

/** Every route Fastify registered (static files included), with its access: what the authorisation test walks. */
export function allRoutes(app: FastifyInstance): readonly { method: string; url: string; access: Access | undefined }[] {
  return ALL_ROUTES.get(app) ?? [];
}

export function registeredRoutes(app: FastifyInstance): readonly RouteSpec[] {
  return ROUTES.get(app) ?? [];
}

export function defineRoute<P, Q, B>(app: FastifyInstance, context: AppContext, spec: RouteSpec<P, Q, B>): void {
  if (spec.access.kind === 'tenant' && !spec.url.includes(':tenantId')) {
    throw new Error(`${spec.method} ${spec.url}: a tenant route must carry :tenantId in its URL`);
  }
  const list = ROUTES.get(app) ?? [];
  list.push(spec as RouteSpec);
  ROUTES.set(app, list);
  app.route({
    method: spec.method,
    url: spec.url,
    config: { access: spec.access },
    handler: async (request, reply) => {
      const params = parse(spec.params, request.params, 'params');
      const query = parse(spec.query, request.query, 'query');
      const body = spec.multipart ? (undefined as B) : parse(spec.body, request.body ?? {}, 'body');
      const tenantId = (request.params as { tenantId?: string }).tenantId ?? '';
      const actor = actorFor(request, tenantId);
      const result = await spec.handler({ params, query, body, context, actor, tenantId, session: request.session, request, reply });
      if (reply.sent) return reply;
      if (result === undefined) return reply.code(204).send();
      return result;
    },
  });
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return (value ?? {}) as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${[where, ...issue.path].join('.')}: ${issue.message}`);
    throw new HttpError(400, 'INVALID_REQUEST', `Requête invalide — ${details.join(' ; ')}`, details);
  }
  return parsed.data;
}

function actorFor(request: FastifyRequest, tenantId: string): Actor {
  const session = request.session;
  if (!session) return { kind: 'user', id: 'anonymous', name: 'anonyme', roles: [] };
  return (
    actorOnTenant(session.user, session.grants, tenantId) ?? { kind: 'user', id: session.user.id, name: session.user.displayName, roles: [] }
  );
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one gate in front of every route: resolves the session, then checks, in this order,
 * signed in (401), CSRF on writes (403), grant on the collectivité (403), role permission (403).
 */
export function installAccessControl(app: FastifyInstance, context: AppContext, resolve: (token: string | undefined) => Promise<SessionUser | null>): void {
  app.decorateRequest('session', null);
  app.addHook('onRoute', (route) => {
    const url = route.url ?? route.path ?? '';
    const list = ALL_ROUTES.get(app) ?? [];
    for (const method of [route.method].flat()) list.push({ method: String(method), url, access: route.config?.access });
    ALL_ROUTES.set(app, list);
    if (url.startsWith('/api/') && !route.config?.access) {
      throw new Error(`${String(route.method)} ${url}: every API route must declare its access (see src/http/routing.ts)`);
    }
  });
  app.addHook('preHandler', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access) return; // static files and the web application
    request.session = await resolve(request.cookies[SESSION_COOKIE]);
    if (!SAFE_METHODS.has(request.method)) checkOrigin(request);
    if (access.kind === 'public') return;
    const session = request.session;
    if (!session) throw new HttpError(401, 'UNAUTHENTICATED', 'Connexion requise.');
    if (!SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !sameToken(header, session.csrfToken)) {
        throw new HttpError(403, 'CSRF', 'Jeton anti-CSRF absent ou invalide : rechargez la page.');
      }
    }
    if (access.kind === 'session') return;
    const tenantId = (request.params as { tenantId?: string }).tenantId ?? '';
    const actor = actorOnTenant(session.user, session.grants, tenantId);
    if (!actor) throw new HttpError(403, 'TENANT_FORBIDDEN', "Vous n'avez pas accès à cette collectivité.");
    if (!can(actor, access.permission)) {
      throw new HttpError(403, 'FORBIDDEN', `Action non autorisée pour votre rôle (${access.permission}).`);
    }
  });
  void context;
}

/** A write coming from another site is refused even before the CSRF token is looked at. */
function checkOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'CSRF', 'Origine de la requête invalide.');
  }
  if (host !== request.headers.host) throw new HttpError(403, 'CSRF', 'Requête provenant d’un autre site refusée.');
}
