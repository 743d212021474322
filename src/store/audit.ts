// The append-only audit log, chained by hashes: every entry's hash covers its content and the
// previous entry's hash, so changing, removing or inserting a row breaks the chain from there on.
// Writers take the chain head (a row in `sequences`) inside their own transaction: the entry
// commits or rolls back with the write it records, and the chain stays linear across processes.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditEntry = {
  tenantId: string | null;
  /** "user:<id>", "cli", "system:sync", "chorus", … */
  actor: string;
  /** verb.object, e.g. "invoice.suspend", "mandat.create". */
  action: string;
  entity: string;
  entityId: string | null;
  data?: unknown;
  at?: string;
};

type ChainedFields = {
  seq: number;
  at: string;
  tenant_id: string | null;
  actor: string;
  action: string;
  entity: string;
  entity_id: string | null;
  data_json: string | null;
  prev_hash: string;
};

export function hashAuditEntry(fields: ChainedFields): string {
  const canonical = JSON.stringify([
    fields.seq,
    fields.at,
    fields.tenant_id,
    fields.actor,
    fields.action,
    fields.entity,
    fields.entity_id,
    fields.data_json,
    fields.prev_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

export async function appendAudit(trx: Transaction<Database>, entry: AuditEntry): Promise<number> {
  const head = await trx
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', 'audit_log')
    .returning('value')
    .executeTakeFirstOrThrow();
  const seq = Number(head.value);
  const previous =
    seq === 1
      ? undefined
      : await trx.selectFrom('audit_log').select('hash').where('seq', '=', seq - 1).executeTakeFirst();
  const fields: ChainedFields = {
    seq,
    at: entry.at ?? new Date().toISOString(),
    tenant_id: entry.tenantId,
    actor: entry.actor,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId,
    data_json: entry.data === undefined ? null : JSON.stringify(entry.data),
    prev_hash: previous?.hash ?? GENESIS_HASH,
  };
  await trx
    .insertInto('audit_log')
    .values({ ...fields, hash: hashAuditEntry(fields) })
    .execute();
  return seq;
}

/**
 * Appends several entries at once, chained in the given order: the chain head moves by their count
 * in one statement, the previous hash is read once, and the rows go in multi-row inserts. The
 * result is exactly what appending them one by one would write (same seqs, same hashes).
 */
export async function appendAuditBatch(trx: Transaction<Database>, entries: AuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const head = await trx
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '+', entries.length) }))
    .where('name', '=', 'audit_log')
    .returning('value')
    .executeTakeFirstOrThrow();
  const first = Number(head.value) - entries.length + 1;
  const previous =
    first === 1 ? undefined : await trx.selectFrom('audit_log').select('hash').where('seq', '=', first - 1).executeTakeFirst();
  let previousHash = previous?.hash ?? GENESIS_HASH;
  const now = new Date().toISOString();
  const rows = entries.map((entry, index) => {
    const fields: ChainedFields = {
      seq: first + index,
      at: entry.at ?? now,
      tenant_id: entry.tenantId,
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      data_json: entry.data === undefined ? null : JSON.stringify(entry.data),
      prev_hash: previousHash,
    };
    previousHash = hashAuditEntry(fields);
    return { ...fields, hash: previousHash };
  });
  // SQLite caps bound parameters per statement (10 per row here).
  for (let start = 0; start < rows.length; start += 500) {
    await trx.insertInto('audit_log').values(rows.slice(start, start + 500)).execute();
  }
  return rows.map((row) => row.seq);
}

export type AuditVerification =
  | { ok: true; entries: number }
  | { ok: false; entries: number; firstBrokenSeq: number; reason: string };

/** Walks the whole chain in order; names the first entry whose hash or link does not hold. */
export async function verifyAuditChain(db: Kysely<Database>, batchSize = 5000): Promise<AuditVerification> {
  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        return { ok: false, entries: expectedSeq - 1, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing` };
      }
      if (row.prev_hash !== previousHash) {
        return { ok: false, entries: seq - 1, firstBrokenSeq: seq, reason: `entry ${seq} does not link to entry ${seq - 1}` };
      }
      if (hashAuditEntry({ ...row, seq }) !== row.hash) {
        return { ok: false, entries: seq - 1, firstBrokenSeq: seq, reason: `entry ${seq} was modified after it was written` };
      }
      previousHash = row.hash;
      expectedSeq = seq + 1;
    }
  }
  const head = await db.selectFrom('sequences').select('value').where('name', '=', 'audit_log').executeTakeFirst();
  const written = Number(head?.value ?? 0);
  if (written !== expectedSeq - 1) {
    return {
      ok: false,
      entries: expectedSeq - 1,
      firstBrokenSeq: expectedSeq,
      reason: `the chain holds ${expectedSeq - 1} entries but ${written} were written: entries from ${expectedSeq} on were removed`,
    };
  }
  return { ok: true, entries: expectedSeq - 1 };
}
