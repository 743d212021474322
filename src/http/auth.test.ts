import assert from 'node:assert/strict';
import test from 'node:test';
import { createTestDatabase } from '../../test/helpers/databases.ts';
import { MAX_FAILURES_PER_USER } from '../app/users/login.ts';
import { buildTestServer, seedTenantWithUsers, signIn, TEST_PASSWORD } from './testing.ts';

test('login, session, CSRF, logout and rate limiting', async () => {
  const database = await createTestDatabase('sqlite');
  try {
    const context = await database.open();
    const { tenantId } = await seedTenantWithUsers(context, 'Commune de Test', 'a');
    const app = await buildTestServer(context);

    const anonymous = await app.inject({ method: 'GET', url: '/api/session' });
    assert.equal(anonymous.json().user, null);

    const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'a-lecteur', password: 'non' } });
    assert.equal(wrong.statusCode, 401);

    const client = await signIn(app, 'A-Lecteur');
    const session = (await client.request('GET', '/api/session')).json();
    assert.equal(session.user.username, 'a-lecteur');
    assert.deepEqual(session.grants.map((grant: { tenantId: string; role: string }) => [grant.tenantId, grant.role]), [[tenantId, 'lecteur']]);
    assert.equal(session.csrfToken, client.csrfToken);

    const cookie = (await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'a-lecteur', password: TEST_PASSWORD } })).headers['set-cookie'];
    assert.match(String(cookie), /HttpOnly/i);
    assert.match(String(cookie), /SameSite=Lax/i);

    // Writes need the CSRF token, and are refused from another origin.
    assert.equal((await client.request('POST', '/api/auth/logout', undefined, { csrf: false })).statusCode, 403);
    assert.equal((await client.request('POST', '/api/auth/logout', undefined, { headers: { origin: 'https://evil.example' } })).statusCode, 403);
    assert.equal((await client.request('POST', '/api/auth/logout')).statusCode, 200);
    assert.equal((await client.request('GET', '/api/tenants')).statusCode, 401);

    // Rate limiting: after MAX failures even the right password is refused, with Retry-After.
    for (let attempt = 0; attempt < MAX_FAILURES_PER_USER; attempt += 1) {
      const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'a-gestionnaire', password: 'mauvais' } });
      assert.equal(response.statusCode, 401);
    }
    const limited = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'a-gestionnaire', password: TEST_PASSWORD } });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);

    // The stored session is a hash, not the cookie's token.
    const rows = await context.store.db.selectFrom('sessions').select('id').execute();
    assert.ok(rows.every((row) => !client.cookie.includes(row.id)));
    await app.close();
  } finally {
    await database.dispose();
  }
});
