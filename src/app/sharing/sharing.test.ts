import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI_ACTOR, type Actor } from '../../domain/roles.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { attachFiles, insertInvoice, insertTenant } from '../archive/test-fixtures.ts';
import { createShareLink, listShareLinks, openShareLink, openShareLinkFile, revokeShareLink, ShareLinkError } from './index.ts';

const reader: Actor = { kind: 'user', id: 'u-reader', name: 'Lecteur', roles: ['lecteur'] };

test('share links: read-only, expiring, revocable, every opening logged', (t) =>
  forEachDatabase(t, async ({ store: { db }, blobs }) => {
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { number: 'F-SHARE' }, [{ status: 'MISE_A_DISPOSITION', at: '2024-03-01T08:00:00Z' }]);
    const digests = await attachFiles(db, blobs, invoiceId, [{ role: 'original', filename: 'facture.pdf', mimeType: 'application/pdf', content: '%PDF shared' }]);

    await assert.rejects(createShareLink(db, { invoiceId }, reader), /non autorisée/);
    const created = new Date('2030-01-01T00:00:00Z');
    const { link, token } = await createShareLink(db, { invoiceId, days: 7, recipient: 'Fournisseur SARL' }, CLI_ACTOR, created);
    assert.equal(link.expiresAt, '2030-01-08T00:00:00.000Z');
    const stored = await db.selectFrom('share_links').select('token_hash').where('id', '=', link.id).executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, token);

    const opened = await openShareLink(db, token, { now: new Date('2030-01-02T00:00:00Z'), ip: '192.0.2.1' });
    assert.equal(opened.dossier.invoice.number, 'F-SHARE');
    assert.equal(opened.dossier.files.length, 1);
    assert.ok(opened.dossier.timeline.length >= 1);
    const file = await openShareLinkFile(db, blobs, token, digests['facture.pdf']!, { now: new Date('2030-01-02T00:00:00Z') });
    const chunks: Buffer[] = [];
    for await (const chunk of file.stream) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '%PDF shared');
    await assert.rejects(openShareLinkFile(db, blobs, token, 'a'.repeat(64), { now: new Date('2030-01-02T00:00:00Z') }), ShareLinkError);

    await assert.rejects(openShareLink(db, token, { now: new Date('2030-01-09T00:00:00Z') }), (error: ShareLinkError) => error.reason === 'expired');
    await assert.rejects(openShareLink(db, 'x'.repeat(43)), (error: ShareLinkError) => error.reason === 'unknown');

    const second = await createShareLink(db, { invoiceId }, CLI_ACTOR);
    await revokeShareLink(db, second.link.id, CLI_ACTOR);
    await assert.rejects(openShareLink(db, second.token), (error: ShareLinkError) => error.reason === 'revoked');

    const links = await listShareLinks(db, { invoiceId }, new Date('2030-01-02T00:00:00Z'));
    assert.equal(links.find((candidate) => candidate.id === link.id)?.openCount, 3);
    const actions = (await db.selectFrom('audit_log').select('action').where('entity', '=', 'invoice').where('entity_id', '=', invoiceId).orderBy('seq').execute()).map((row) => row.action);
    assert.deepEqual(actions, ['share.create', 'share.open', 'share.open', 'share.open', 'share.open_refused', 'share.create', 'share.revoke', 'share.open_refused']);
  }));
