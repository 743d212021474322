// Sign in and out, and who am I. Login is public but rate-limited (in the database, see login.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { login } from '../../app/users/login.ts';
import { endSession, SESSION_IDLE_MS } from '../../app/users/sessions.ts';
import { setPassword } from '../../app/users/users.ts';
import { HttpError } from '../errors.ts';
import { defineRoute, SESSION_COOKIE } from '../routing.ts';

function secure(app: FastifyInstance, request: FastifyRequest): boolean {
  return app.liasse.secureCookies ?? request.protocol === 'https';
}

export function register(app: FastifyInstance, context: AppContext): void {
  const db = context.store.db;

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/auth/login',
    access: { kind: 'public' },
    summary: 'Connexion (identifiant et mot de passe) ; pose le cookie de session',
    tags: ['session'],
    body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(1000) }),
    handler: async ({ body, request, reply }) => {
      const result = await login(db, { username: body.username, password: body.password, address: request.ip });
      if (!result.ok && result.reason === 'rate_limited') {
        throw new HttpError(429, 'RATE_LIMITED', `Trop de tentatives : réessayez dans ${Math.ceil(result.retryAfterSeconds / 60)} min.`, result.retryAfterSeconds);
      }
      if (!result.ok) throw new HttpError(401, 'INVALID_CREDENTIALS', 'Identifiant ou mot de passe incorrect.');
      void reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: secure(app, request),
        maxAge: Math.floor(SESSION_IDLE_MS / 1000) * 14,
      });
      return { csrfToken: result.csrfToken };
    },
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/auth/logout',
    access: { kind: 'session' },
    summary: 'Déconnexion',
    tags: ['session'],
    handler: async ({ session, reply }) => {
      await endSession(db, session!.sessionId, session!.user.id);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/session',
    access: { kind: 'public' },
    summary: "L'utilisateur connecté, ses collectivités et rôles, et le jeton anti-CSRF (null sans session)",
    tags: ['session'],
    handler: async ({ session }) => ({
      demo: app.liasse.demo,
      user: session ? session.user : null,
      grants: session ? session.grants : [],
      csrfToken: session ? session.csrfToken : null,
    }),
  });

  defineRoute(app, context, {
    method: 'POST',
    url: '/api/session/password',
    access: { kind: 'session' },
    summary: 'Changer son mot de passe (met fin aux autres sessions)',
    tags: ['session'],
    body: z.object({ password: z.string().min(1).max(1000) }),
    handler: async ({ body, session }) => {
      const user = session!.user;
      await setPassword(db, { kind: 'user', id: user.id, name: user.displayName, roles: [] }, user.id, body.password);
      return { ok: true };
    },
  });

  defineRoute(app, context, {
    method: 'GET',
    url: '/api/health',
    access: { kind: 'public' },
    summary: 'État du serveur et de la base',
    tags: ['session'],
    handler: async () => {
      await db.selectFrom('tenants').select('id').limit(1).execute();
      return { ok: true, dialect: context.store.dialect };
    },
  });
}
