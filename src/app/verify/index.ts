// `liasse verify`: re-hashes every stored file, checks that every record's references to files
// and to other rows hold, and re-walks the audit chain. It reports and never repairs: an operator
// decides what to do with a corrupted or missing file (restore from backup).
import { type Kysely, sql } from 'kysely';
import type { BlobStore } from '../../store/blob-store.ts';
import { verifyAuditChain } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';

export type VerifyProblem =
  | { kind: 'blob_corrupted'; sha256: string; path: string; message: string }
  | { kind: 'blob_missing'; sha256: string; path: string; table: string; column: string; rowId: string; message: string }
  | { kind: 'dangling_reference'; table: string; column: string; rowId: string; target: string; message: string }
  | { kind: 'audit_chain'; message: string };

export type VerifyReport = {
  ok: boolean;
  blobsChecked: number;
  fileReferencesChecked: number;
  rowReferencesChecked: number;
  auditEntries: number;
  problems: VerifyProblem[];
};

/** Columns that hold a sha256 of the blob store, with the row id to name in a report. */
const FILE_REFERENCES: { table: keyof Database; column: string; id: string[] }[] = [
  { table: 'invoices', column: 'original_sha256', id: ['id'] },
  { table: 'invoices', column: 'pivot_sha256', id: ['id'] },
  { table: 'invoices', column: 'pdf_sha256', id: ['id'] },
  { table: 'invoice_files', column: 'sha256', id: ['invoice_id', 'position'] },
  { table: 'mandat_pjs', column: 'sha256', id: ['id'] },
  { table: 'bordereaux', column: 'pes_sha256', id: ['id'] },
  { table: 'acquits', column: 'sha256', id: ['id'] },
];

/** Foreign keys checked by hand: SQLite databases written before foreign_keys=ON, and soft references. */
const ROW_REFERENCES: { table: keyof Database; column: string; id: string[]; target: keyof Database; targetColumn: string }[] = [
  { table: 'invoices', column: 'tenant_id', id: ['id'], target: 'tenants', targetColumn: 'id' },
  { table: 'invoice_files', column: 'invoice_id', id: ['invoice_id', 'position'], target: 'invoices', targetColumn: 'id' },
  { table: 'chorus_history', column: 'invoice_id', id: ['id'], target: 'invoices', targetColumn: 'id' },
  { table: 'invoice_allocations', column: 'invoice_id', id: ['id'], target: 'invoices', targetColumn: 'id' },
  { table: 'invoice_allocations', column: 'engagement_id', id: ['id'], target: 'engagements', targetColumn: 'id' },
  { table: 'mandats', column: 'invoice_id', id: ['id'], target: 'invoices', targetColumn: 'id' },
  { table: 'mandats', column: 'bordereau_id', id: ['id'], target: 'bordereaux', targetColumn: 'id' },
  { table: 'mandats', column: 'tiers_id', id: ['id'], target: 'tiers', targetColumn: 'id' },
  { table: 'mandats', column: 'budget_id', id: ['id'], target: 'budgets', targetColumn: 'id' },
  { table: 'mandat_lines', column: 'mandat_id', id: ['mandat_id', 'line_no'], target: 'mandats', targetColumn: 'id' },
  { table: 'mandat_lines', column: 'invoice_id', id: ['mandat_id', 'line_no'], target: 'invoices', targetColumn: 'id' },
  { table: 'mandat_lines', column: 'engagement_id', id: ['mandat_id', 'line_no'], target: 'engagements', targetColumn: 'id' },
  { table: 'mandat_pjs', column: 'mandat_id', id: ['id'], target: 'mandats', targetColumn: 'id' },
  { table: 'bordereau_mandats', column: 'bordereau_id', id: ['bordereau_id', 'mandat_id'], target: 'bordereaux', targetColumn: 'id' },
  { table: 'bordereau_mandats', column: 'mandat_id', id: ['bordereau_id', 'mandat_id'], target: 'mandats', targetColumn: 'id' },
  { table: 'share_links', column: 'invoice_id', id: ['id'], target: 'invoices', targetColumn: 'id' },
  { table: 'webhook_deliveries', column: 'endpoint_id', id: ['id'], target: 'webhook_endpoints', targetColumn: 'id' },
  { table: 'elimination_items', column: 'proposal_id', id: ['proposal_id', 'entity_id'], target: 'elimination_proposals', targetColumn: 'id' },
];

/** "a || '#' || b": a readable id for rows keyed by several columns (both dialects cast in ||). */
function rowIdExpression(columns: string[], prefix: string) {
  return sql.raw(columns.map((column) => `${prefix}${column}`).join(` || '#' || `));
}

async function tableExists(db: Kysely<Database>, table: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((candidate) => candidate.name === table);
}

/** Files destroyed by an executed elimination (with the archivist's visa): absent on purpose. */
async function eliminatedFiles(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db
    .selectFrom('elimination_items')
    .innerJoin('elimination_proposals', 'elimination_proposals.id', 'elimination_items.proposal_id')
    .select('elimination_items.files_json')
    .where('elimination_proposals.status', '=', 'executed')
    .execute();
  return new Set(rows.flatMap((row) => JSON.parse(row.files_json) as string[]));
}

export async function verifyStore(db: Kysely<Database>, blobs: BlobStore, options: { onProgress?: (message: string) => void } = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const existing = new Set<string>();
  let blobsChecked = 0;
  for await (const sha256 of blobs.list()) {
    blobsChecked += 1;
    existing.add(sha256);
    const state = await blobs.verify(sha256);
    if (state === 'corrupted') {
      problems.push({ kind: 'blob_corrupted', sha256, path: blobs.pathOf(sha256), message: `Fichier altéré : ${blobs.pathOf(sha256)} ne correspond plus à son empreinte ${sha256}` });
    }
    if (blobsChecked % 1000 === 0) options.onProgress?.(`${blobsChecked} fichiers vérifiés`);
  }

  const eliminated = await eliminatedFiles(db);
  const present = new Set<string>();
  for (const table of [...new Set([...FILE_REFERENCES.map((ref) => ref.table), ...ROW_REFERENCES.flatMap((ref) => [ref.table, ref.target])])]) {
    if (await tableExists(db, table)) present.add(table);
  }

  let fileReferencesChecked = 0;
  for (const reference of FILE_REFERENCES) {
    if (!present.has(reference.table)) continue;
    const rows = await sql<{ row_id: string; sha256: string }>`select ${rowIdExpression(reference.id, '')} as row_id, ${sql.ref(reference.column)} as sha256 from ${sql.table(reference.table)} where ${sql.ref(reference.column)} is not null`.execute(db);
    for (const row of rows.rows) {
      fileReferencesChecked += 1;
      if (existing.has(row.sha256) || eliminated.has(row.sha256)) continue;
      let file: string;
      try {
        file = blobs.pathOf(row.sha256);
      } catch {
        file = '(empreinte invalide)';
      }
      problems.push({
        kind: 'blob_missing',
        sha256: row.sha256,
        path: file,
        table: reference.table,
        column: reference.column,
        rowId: String(row.row_id),
        message: `Fichier manquant : ${reference.table}.${reference.column} de ${row.row_id} désigne ${row.sha256}, absent du stockage`,
      });
    }
  }

  let rowReferencesChecked = 0;
  for (const reference of ROW_REFERENCES) {
    if (!present.has(reference.table) || !present.has(reference.target)) continue;
    const rows = await sql<{ row_id: string; target: string }>`
      select ${rowIdExpression(reference.id, 'c.')} as row_id, c.${sql.raw(reference.column)} as target
      from ${sql.table(reference.table)} c
      left join ${sql.table(reference.target)} p on p.${sql.raw(reference.targetColumn)} = c.${sql.raw(reference.column)}
      where c.${sql.raw(reference.column)} is not null and p.${sql.raw(reference.targetColumn)} is null`.execute(db);
    const count = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(reference.table)} where ${sql.ref(reference.column)} is not null`.execute(db);
    rowReferencesChecked += Number(count.rows[0]?.n ?? 0);
    for (const row of rows.rows) {
      problems.push({
        kind: 'dangling_reference',
        table: reference.table,
        column: reference.column,
        rowId: String(row.row_id),
        target: String(row.target),
        message: `Référence cassée : ${reference.table}.${reference.column} de ${row.row_id} désigne ${reference.target} ${row.target}, qui n'existe pas`,
      });
    }
  }

  const chain = await verifyAuditChain(db);
  if (!chain.ok) problems.push({ kind: 'audit_chain', message: `Journal d'audit rompu à l'entrée ${chain.firstBrokenSeq} : ${chain.reason}` });

  return { ok: problems.length === 0, blobsChecked, fileReferencesChecked, rowReferencesChecked, auditEntries: chain.entries, problems };
}
