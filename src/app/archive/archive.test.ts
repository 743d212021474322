import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { CLI_ACTOR, type Actor } from '../../domain/roles.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { verifyStore } from '../verify/index.ts';
import { decideElimination, executeElimination, findEliminationCandidates, getRetentionRule, proposeEliminations, retentionEnd, searchArchive, setRetentionRule } from './index.ts';
import { attachFiles, insertInvoice, insertMandat, insertTenant } from './test-fixtures.ts';

const gestionnaire: Actor = { kind: 'user', id: 'u-g', name: 'Gestionnaire', roles: ['gestionnaire'] };
const archiviste: Actor = { kind: 'user', id: 'u-a', name: 'Archiviste', roles: ['administrateur'] };

test('retention: 10 years from the end of the exercice by default', () => {
  assert.equal(retentionEnd(2014, 10), '2024-12-31');
});

test('archive view, retention rules, elimination proposals with the archivist’s visa', (t) =>
  forEachDatabase(t, async ({ store: { db }, blobs }) => {
    const tenantId = await insertTenant(db);
    const old = await insertInvoice(db, tenantId, { status: 'paid', number: 'F-2013-7', issue_date: '2013-05-02', seller_name: 'Ancien Fournisseur' });
    const oldFiles = await attachFiles(db, blobs, old, [
      { role: 'original', filename: 'f2013.pdf', mimeType: 'application/pdf', content: '%PDF 2013' },
      { role: 'attachment', filename: 'shared.pdf', mimeType: 'application/pdf', content: '%PDF shared annex' },
    ]);
    const recent = await insertInvoice(db, tenantId, { status: 'paid', number: 'F-2023-1', issue_date: '2023-02-01' });
    await attachFiles(db, blobs, recent, [{ role: 'attachment', filename: 'shared.pdf', mimeType: 'application/pdf', content: '%PDF shared annex' }]);
    await insertMandat(db, blobs, tenantId, recent, { exercice: 2023 });
    await insertInvoice(db, tenantId, { status: 'received', number: 'F-OPEN', issue_date: '2010-01-01' });

    const found = await searchArchive(db, { tenantId, text: 'ancien' });
    assert.deepEqual(found.rows.map((row) => [row.number, row.retentionEnd, row.elimination]), [['F-2013-7', '2023-12-31', 'none']]);
    const all = await searchArchive(db, { tenantId });
    assert.equal(all.total, 2); // the open invoice is not in the archive
    assert.equal(all.rows.find((row) => row.number === 'F-2023-1')?.mandat?.numero, 12);

    // 2025: only the 2013 invoice is past its retention; the open one never is.
    assert.deepEqual((await findEliminationCandidates(db, tenantId, '2025-01-15')).map((item) => item.label), ['Facture F-2013-7 – Ancien Fournisseur']);
    await setRetentionRule(db, { tenantId, documentClass: 'facture', years: 15 }, CLI_ACTOR);
    assert.equal((await getRetentionRule(db, tenantId, 'facture')).years, 15);
    assert.deepEqual(await findEliminationCandidates(db, tenantId, '2025-01-15'), []);
    await setRetentionRule(db, { tenantId, documentClass: 'facture', years: 10 }, CLI_ACTOR);

    const proposal = await proposeEliminations(db, tenantId, '2025-01-15', CLI_ACTOR);
    assert.ok(proposal);
    assert.equal(proposal.status, 'proposed');
    assert.equal(await proposeEliminations(db, tenantId, '2025-01-15', CLI_ACTOR), null); // not proposed twice
    // Nothing is destroyed without the visa.
    await assert.rejects(executeElimination(db, blobs, proposal.id, CLI_ACTOR), /pas visée/);
    assert.ok(await blobs.has(oldFiles['f2013.pdf']!));
    await assert.rejects(decideElimination(db, proposal.id, 'approve', 'visa', gestionnaire), /non autorisée/);
    await decideElimination(db, proposal.id, 'approve', 'Visa AD31 n°2025-014', archiviste);
    const result = await executeElimination(db, blobs, proposal.id, archiviste);
    assert.deepEqual(result.destroyed, [oldFiles['f2013.pdf']]);
    assert.deepEqual(result.kept, [oldFiles['shared.pdf']]); // still used by the 2023 invoice
    assert.equal(fs.existsSync(blobs.pathOf(oldFiles['f2013.pdf']!)), false);
    assert.ok(await blobs.has(oldFiles['shared.pdf']!));
    // Destroyed with a visa is not a verify error; the register keeps the row.
    const report = await verifyStore(db, blobs);
    assert.ok(report.ok, JSON.stringify(report.problems));
    assert.equal((await searchArchive(db, { tenantId, text: 'F-2013' })).rows[0]?.elimination, 'executed');
    const actions = (await db.selectFrom('audit_log').select('action').where('entity', 'in', ['elimination_proposal', 'invoice']).orderBy('seq').execute()).map((row) => row.action);
    assert.deepEqual(actions, ['elimination.propose', 'archive.elimination_proposed', 'elimination.approve', 'elimination.execute', 'archive.eliminated']);
  }));
