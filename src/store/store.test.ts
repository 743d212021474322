import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import test from 'node:test';
import { forEachDatabase } from '../../test/helpers/databases.ts';
import { appendAudit, verifyAuditChain } from './audit.ts';
import { nextInSequence } from './sequences.ts';

test('migrations create the schema and the audit chain verifies, then detects a modified row', (t) =>
  forEachDatabase(t, async ({ store }) => {
    const { db } = store;
    for (let index = 0; index < 5; index += 1) {
      await db.transaction().execute((trx) =>
        appendAudit(trx, { tenantId: null, actor: 'cli', action: 'test.write', entity: 'thing', entityId: String(index), data: { index } }),
      );
    }
    assert.deepEqual(await verifyAuditChain(db), { ok: true, entries: 5 });
    await db.updateTable('audit_log').set({ data_json: '{"index":99}' }).where('seq', '=', 3).execute();
    const broken = await verifyAuditChain(db);
    assert.equal(broken.ok, false);
    assert.equal(!broken.ok && broken.firstBrokenSeq, 3);
  }));

test('an audit row removed at the end of the chain is detected', (t) =>
  forEachDatabase(t, async ({ store }) => {
    const { db } = store;
    for (let index = 0; index < 3; index += 1) {
      await db.transaction().execute((trx) =>
        appendAudit(trx, { tenantId: null, actor: 'cli', action: 'test.write', entity: 'thing', entityId: null }),
      );
    }
    await db.deleteFrom('audit_log').where('seq', '=', 3).execute();
    const result = await verifyAuditChain(db);
    assert.equal(!result.ok && result.firstBrokenSeq, 3);
  }));

test('sequences are gap-free and a rolled-back number is given again', (t) =>
  forEachDatabase(t, async ({ store }) => {
    const { db } = store;
    assert.equal(await db.transaction().execute((trx) => nextInSequence(trx, 'mandat:BP:2026')), 1);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        assert.equal(await nextInSequence(trx, 'mandat:BP:2026'), 2);
        throw new Error('rollback');
      }),
    );
    assert.equal(await db.transaction().execute((trx) => nextInSequence(trx, 'mandat:BP:2026')), 2);
    assert.equal(await db.transaction().execute((trx) => nextInSequence(trx, 'mandat:BA1:2026')), 1);
  }));

test('the blob store is content-addressed and verifies content', (t) =>
  forEachDatabase(t, async ({ blobs }) => {
    const content = randomBytes(1000);
    const first = await blobs.put(content);
    const again = await blobs.put(content);
    assert.deepEqual(first, again);
    assert.deepEqual(await blobs.get(first.sha256), content);
    const streamed = await blobs.putStream(Readable.from([content.subarray(0, 500), content.subarray(500)]));
    assert.equal(streamed.sha256, first.sha256);
    assert.equal(await blobs.verify(first.sha256), 'ok');
    const listed: string[] = [];
    for await (const digest of blobs.list()) listed.push(digest);
    assert.deepEqual(listed, [first.sha256]);
  }));
