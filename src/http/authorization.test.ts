// Walks every route the server registered: a route under /api without a declared access fails,
// a new public route fails until it is listed here, and every other route is proven to refuse an
// anonymous caller, a caller without the CSRF token, a user of another collectivité and a role
// without the permission — and to let the right role through the gate.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createTestDatabase } from '../../test/helpers/databases.ts';
import { PERMISSIONS, ROLES } from '../domain/roles.ts';
import { allRoutes, registeredRoutes } from './routing.ts';
import { buildTestServer, seedTenantWithUsers, signIn } from './testing.ts';

/** Routes anyone may call, each for a reason: keep this list short and reviewed. */
const PUBLIC_ROUTES = new Set([
  'POST /api/auth/login', // signs in
  'GET /api/session', // says "not signed in" to the web app
  'GET /api/health', // load balancer probe
  'GET /api/docs', // the API documentation
  'GET /api/docs/openapi.json',
  'GET /api/share/:token', // a share link checks its own token (openShareLink)
  'GET /api/share/:token/files/:fileId',
]);

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function fill(url: string, tenantId: string): string {
  return url.replace(':tenantId', tenantId).replace(/:(\w+)/g, (_m, name: string) => `00000000-0000-7000-8000-${name.length.toString().padStart(12, '0')}`);
}

test('every API route checks role and collectivité grant', async () => {
  const database = await createTestDatabase('sqlite');
  try {
    const context = await database.open();
    const a = await seedTenantWithUsers(context, 'Commune A', 'a');
    await seedTenantWithUsers(context, 'Commune B', 'b');
    const app = await buildTestServer(context);

    const api = allRoutes(app).filter((route) => route.url.startsWith('/api/') && route.method !== 'HEAD');
    assert.ok(api.length > 10, 'routes were collected');
    for (const route of api) {
      assert.ok(route.access, `${route.method} ${route.url} declares no access`);
      if (route.access.kind === 'public') {
        assert.ok(PUBLIC_ROUTES.has(`${route.method} ${route.url}`), `${route.method} ${route.url} is public but not in the reviewed list`);
      }
    }
    const declared = registeredRoutes(app);

    const clients = {
      ...Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await signIn(app, a.users[role])] as const))),
    } as Record<(typeof ROLES)[number], Awaited<ReturnType<typeof signIn>>>;
    const otherTenantAdmin = await signIn(app, 'b-administrateur');

    let checked = 0;
    for (const route of declared) {
      if (route.access.kind === 'public') continue;
      const url = fill(route.url, a.tenantId);
      const label = `${route.method} ${route.url}`;
      const body = SAFE.has(route.method) ? undefined : {};

      const anonymous = await app.inject({ method: route.method, url, ...(body ? { payload: body } : {}) });
      assert.equal(anonymous.statusCode, 401, `${label} anonymous → ${anonymous.statusCode}`);

      if (route.access.kind === 'session') {
        if (!SAFE.has(route.method)) {
          const noCsrf = await clients.lecteur.request(route.method, url, body, { csrf: false });
          assert.equal(noCsrf.statusCode, 403, `${label} without CSRF → ${noCsrf.statusCode}`);
        }
        checked += 1;
        continue;
      }

      const allowedRoles: readonly string[] = PERMISSIONS[route.access.permission];
      const allowed = ROLES.find((role) => allowedRoles.includes(role))!;
      const refused = ROLES.find((role) => !allowedRoles.includes(role));

      const foreign = await otherTenantAdmin.request(route.method, url, body);
      assert.equal(foreign.statusCode, 403, `${label} by another collectivité's administrateur → ${foreign.statusCode}`);
      assert.equal(foreign.json().error.code, SAFE.has(route.method) ? 'TENANT_FORBIDDEN' : 'TENANT_FORBIDDEN');

      if (refused) {
        const response = await clients[refused].request(route.method, url, body);
        assert.equal(response.statusCode, 403, `${label} by ${refused} → ${response.statusCode}`);
      }
      if (!SAFE.has(route.method)) {
        const noCsrf = await clients[allowed].request(route.method, url, body, { csrf: false });
        assert.equal(noCsrf.statusCode, 403, `${label} without CSRF → ${noCsrf.statusCode}`);
        assert.equal(noCsrf.json().error.code, 'CSRF');
      }
      const through = await clients[allowed].request(route.method, url, body);
      assert.ok(
        ![401, 403].includes(through.statusCode) || through.json().error?.code === 'SELF_REVOKE',
        `${label} by ${allowed} is stopped at the gate: ${through.statusCode} ${through.body}`,
      );
      checked += 1;
    }
    assert.equal(checked, declared.filter((route) => route.access.kind !== 'public').length);
    await app.close();
  } finally {
    await database.dispose();
  }
});
