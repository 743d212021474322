// Test support for the HTTP layer: a server on a fresh database with collectivités and users of each
// role, and a client that signs in and carries the cookie and the CSRF token. Used by the route
// tests (in-process, app.inject) and by the browser tests (listening on port 0).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AppContext } from '../app/context.ts';
import { createTenant } from '../app/tenants.ts';
import { loadSecretKey } from '../app/secrets.ts';
import { createUser, grantRole } from '../app/users/users.ts';
import { CLI_ACTOR, type Role } from '../domain/roles.ts';
import { buildServer, type ServerOptions } from './server.ts';
import { CSRF_HEADER, SESSION_COOKIE } from './routing.ts';

export const TEST_PASSWORD = 'motdepasse-de-test';

/** Creates a collectivité and one user per role on it, named `<prefix>-<role>`. */
export async function seedTenantWithUsers(context: AppContext, name: string, prefix: string): Promise<{ tenantId: string; users: Record<Role, string> }> {
  const tenant = await createTenant(context.store.db, { name, kind: 'commune' }, loadSecretKey(context.config));
  const users = {} as Record<Role, string>;
  for (const role of ['lecteur', 'gestionnaire', 'valideur', 'administrateur'] as const) {
    const username = `${prefix}-${role}`;
    const user = await createUser(context.store.db, CLI_ACTOR, { username, displayName: `${prefix} ${role}`, password: TEST_PASSWORD });
    await grantRole(context.store.db, CLI_ACTOR, { userId: user.id, tenantId: tenant.id, role });
    users[role] = username;
  }
  return { tenantId: tenant.id, users };
}

export type Client = {
  username: string;
  cookie: string;
  csrfToken: string;
  request(method: string, url: string, body?: unknown, options?: { csrf?: boolean; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
};

export async function signIn(app: FastifyInstance, username: string, password = TEST_PASSWORD): Promise<Client> {
  const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (response.statusCode !== 200) throw new Error(`login ${username}: ${response.statusCode} ${response.body}`);
  const cookie = response.cookies.find((candidate) => candidate.name === SESSION_COOKIE);
  if (!cookie) throw new Error('login did not set the session cookie');
  const csrfToken = (response.json() as { csrfToken: string }).csrfToken;
  const cookieHeader = `${SESSION_COOKIE}=${cookie.value}`;
  return {
    username,
    cookie: cookieHeader,
    csrfToken,
    request: (method, url, body, options = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { cookie: cookieHeader, ...(options.csrf === false ? {} : { [CSRF_HEADER]: csrfToken }), ...options.headers },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
  };
}

export async function buildTestServer(context: AppContext, options: Partial<ServerOptions> = {}): Promise<FastifyInstance> {
  const app = await buildServer({ context, webDist: null, ...options });
  await app.ready();
  return app;
}
