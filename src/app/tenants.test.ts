import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { test } from 'node:test';
import { forEachDatabase } from '../../test/helpers/databases.ts';
import { decryptSecret, encryptSecret, KEY_FILE_NAME, loadSecretKey } from './secrets.ts';
import { createTenant, getChorusConnection, resolveTenantId, TenantError } from './tenants.ts';

const connection = {
  apiUrl: 'http://127.0.0.1:1',
  tokenUrl: 'http://127.0.0.1:1/api/oauth/token',
  clientId: 'client',
  clientSecret: 'very-secret-client',
  login: 'TECH_1@cpro.fr',
  password: 'very-secret-password',
};

test('secrets: key file created with 0600, round trip, tamper detected, wrong key named', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-secrets-'));
  try {
    const key = loadSecretKey({ dataDir, secretKey: undefined });
    const mode = fs.statSync(path.join(dataDir, KEY_FILE_NAME)).mode & 0o777;
    assert.equal(mode, 0o600);
    assert.deepEqual(loadSecretKey({ dataDir, secretKey: undefined }).bytes, key.bytes, 'the key file is reused');
    const sealed = encryptSecret('mot de passe', key);
    assert.ok(!sealed.includes('mot de passe'));
    assert.equal(decryptSecret(sealed, key), 'mot de passe');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => decryptSecret(parts.join('.'), key), /cannot be decrypted/);
    const other = loadSecretKey({ dataDir, secretKey: 'x'.repeat(40) });
    assert.throws(() => decryptSecret(sealed, other), /LIASSE_SECRET_KEY/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('tenants: resolve by id, SIREN, name; errors list the tenants; connection encrypted and masked', (t) =>
  forEachDatabase(t, async (context) => {
    const db = context.store.db;
    await assert.rejects(resolveTenantId(db), /Aucune collectivité/);
    const key = loadSecretKey(context.config);
    const a = await createTenant(db, { name: 'Commune de Sainte-Foy', siren: '213700000', kind: 'commune', chorus: connection }, key);
    assert.equal(await resolveTenantId(db), a.id);
    const b = await createTenant(db, { name: 'Syndicat des eaux', kind: 'syndicat' }, key);
    await assert.rejects(resolveTenantId(db), (error: Error) => error instanceof TenantError && /--tenant/.test(error.message) && error.message.includes(b.id));
    assert.equal(await resolveTenantId(db, '213700000'), a.id);
    assert.equal(await resolveTenantId(db, 'syndicat des eaux'), b.id);
    assert.equal(await resolveTenantId(db, b.id), b.id);
    await assert.rejects(resolveTenantId(db, 'Paris'), /Aucune collectivité ne correspond/);
    const row = await db.selectFrom('tenants').select('chorus_connection_encrypted').where('id', '=', a.id).executeTakeFirstOrThrow();
    assert.ok(row.chorus_connection_encrypted && !row.chorus_connection_encrypted.includes('very-secret'));
    const decrypted = await getChorusConnection(context, a.id);
    assert.equal(decrypted.password, connection.password);
    assert.ok(!JSON.stringify(decrypted).includes('very-secret'));
    assert.ok(!inspect(decrypted).includes('very-secret'));
    await assert.rejects(getChorusConnection(context, b.id), /pas de connexion Chorus Pro/);
    const audit = await db.selectFrom('audit_log').select('data_json').execute();
    assert.ok(audit.every((entry) => !(entry.data_json ?? '').includes('very-secret')));
  }));
