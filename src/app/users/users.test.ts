import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { loadSecretKey } from '../secrets.ts';
import { createTenant } from '../tenants.ts';
import { login, MAX_FAILURES_PER_USER } from './login.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { endSession, resolveSession } from './sessions.ts';
import { actorOnTenant, createUser, grantRole, revokeGrant, setPassword, UserError } from './users.ts';

test('scrypt hashes carry their parameters and verify', async () => {
  const hash = await hashPassword('correct horse', { N: 2 ** 12, r: 8, p: 1 });
  assert.match(hash, /^scrypt\$4096\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct hors', hash), false);
  assert.equal(await verifyPassword('x', 'not-a-hash'), false);
});

test('accounts, grants per collectivité, sessions and rate limiting in the database', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    const tenant = await createTenant(db, { name: 'Commune A' }, loadSecretKey(context.config));
    const other = await createTenant(db, { name: 'Commune B' }, loadSecretKey(context.config));
    const user = await createUser(db, CLI_ACTOR, { username: 'Marie.Dupont', displayName: 'Marie Dupont', password: 'motdepasse-long' });
    await assert.rejects(createUser(db, CLI_ACTOR, { username: 'marie.dupont', password: 'motdepasse-long' }), UserError);
    await assert.rejects(createUser(db, CLI_ACTOR, { username: 'court', password: 'abc' }), /au moins/);
    await grantRole(db, CLI_ACTOR, { userId: user.id, tenantId: tenant.id, role: 'gestionnaire' });
    await grantRole(db, CLI_ACTOR, { userId: user.id, tenantId: tenant.id, role: 'valideur' });

    const result = await login(db, { username: 'MARIE.DUPONT', password: 'motdepasse-long', address: '127.0.0.1' });
    assert.equal(result.ok, true);
    if (!result.ok) return;
    const session = await resolveSession(db, result.token);
    assert.ok(session);
    assert.deepEqual(session.grants.map((grant) => [grant.tenantName, grant.role]), [['Commune A', 'valideur']]);
    assert.deepEqual(actorOnTenant(session.user, session.grants, tenant.id)?.roles, ['valideur']);
    assert.equal(actorOnTenant(session.user, session.grants, other.id), null);
    assert.equal(await resolveSession(db, 'forged-token'), null);

    await revokeGrant(db, CLI_ACTOR, { userId: user.id, tenantId: tenant.id });
    assert.deepEqual((await resolveSession(db, result.token))?.grants, []);

    await endSession(db, session.sessionId, user.id);
    assert.equal(await resolveSession(db, result.token), null);

    // A new password ends every session.
    const again = await login(db, { username: 'marie.dupont', password: 'motdepasse-long', address: '127.0.0.1' });
    assert.equal(again.ok, true);
    await setPassword(db, CLI_ACTOR, user.id, 'autre-motdepasse');
    assert.equal(again.ok && (await resolveSession(db, again.token)), null);

    for (let attempt = 0; attempt < MAX_FAILURES_PER_USER; attempt += 1) {
      assert.deepEqual(await login(db, { username: 'marie.dupont', password: 'faux', address: '10.0.0.1' }), { ok: false, reason: 'invalid' });
    }
    const limited = await login(db, { username: 'marie.dupont', password: 'autre-motdepasse', address: '10.0.0.2' });
    assert.equal(limited.ok, false);
    assert.equal(!limited.ok && limited.reason, 'rate_limited');
  }),
);
