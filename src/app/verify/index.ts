// `liasse verify`: re-hashes every stored file, checks that every record's references to files
// and to other rows hold, and re-walks the audit chain. It reports and never repairs: an operator
// decides what to do with a corrupted or missing file (restore from backup).
import { type Kysely, sql } from 'kysely';
import type { BlobStore } from '../../store/blob-store.ts';
import { verifyAuditChain } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';

export type VerifyProblem =
  | { kind: 'blob_corrupted'; sha256: string; path: string; usedBy: string[]; message: string }
  | { kind: 'blob_missing'; sha256: string; path: string; table: string; column: string; rowId: string; usedBy: string[]; message: string }
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

const INVOICE_FILE_LABELS: Record<string, string> = { original_sha256: 'fichier original', pivot_sha256: 'pivot Chorus', pdf_sha256: 'PDF de visualisation' };

function invoiceLabel(number: string | null, chorusId: number | string | null): string {
  return `facture n° ${number ?? '?'}${chorusId !== null && chorusId !== undefined ? ` (idFacture ${chorusId})` : ''}`;
}

/**
 * The records that use each file, named as the operator knows them (invoice number and Chorus
 * idFacture, mandat and bordereau numbers): what to restore, and what is at stake meanwhile.
 */
async function recordsUsing(db: Kysely<Database>, digests: string[], present: Set<string>): Promise<Map<string, string[]>> {
  const uses = new Map<string, string[]>();
  const add = (sha256: string, label: string) => {
    const list = uses.get(sha256) ?? [];
    if (!list.includes(label)) list.push(label);
    uses.set(sha256, list);
  };
  for (let start = 0; start < digests.length; start += 500) {
    const batch = digests.slice(start, start + 500);
    if (present.has('invoices')) {
      for (const column of ['original_sha256', 'pivot_sha256', 'pdf_sha256'] as const) {
        const rows = await db.selectFrom('invoices').select(['number', 'chorus_id', column]).where(column, 'in', batch).execute();
        for (const row of rows) add(row[column]!, `${invoiceLabel(row.number, row.chorus_id)}, ${INVOICE_FILE_LABELS[column]}`);
      }
    }
    if (present.has('invoice_files')) {
      const rows = await db
        .selectFrom('invoice_files')
        .leftJoin('invoices', 'invoices.id', 'invoice_files.invoice_id')
        .select(['invoice_files.sha256', 'invoice_files.filename', 'invoices.number', 'invoices.chorus_id'])
        .where('invoice_files.sha256', 'in', batch)
        .execute();
      for (const row of rows) add(row.sha256, `${invoiceLabel(row.number, row.chorus_id)}, pièce « ${row.filename} »`);
    }
    if (present.has('mandat_pjs') && present.has('mandats')) {
      const rows = await db
        .selectFrom('mandat_pjs')
        .leftJoin('mandats', 'mandats.id', 'mandat_pjs.mandat_id')
        .select(['mandat_pjs.sha256', 'mandat_pjs.filename', 'mandats.numero', 'mandats.exercice'])
        .where('mandat_pjs.sha256', 'in', batch)
        .execute();
      for (const row of rows) add(row.sha256, `mandat n° ${row.numero ?? '?'} (exercice ${row.exercice ?? '?'}), PJ « ${row.filename} »`);
    }
    if (present.has('bordereaux')) {
      const rows = await db.selectFrom('bordereaux').select(['pes_sha256', 'numero', 'exercice', 'pes_filename']).where('pes_sha256', 'in', batch).execute();
      for (const row of rows) add(row.pes_sha256!, `bordereau n° ${row.numero} (exercice ${row.exercice}), PES_Aller${row.pes_filename ? ` « ${row.pes_filename} »` : ''}`);
    }
    if (present.has('acquits') && present.has('bordereaux')) {
      const rows = await db
        .selectFrom('acquits')
        .leftJoin('bordereaux', 'bordereaux.id', 'acquits.bordereau_id')
        .select(['acquits.sha256', 'acquits.nom_fic', 'bordereaux.numero', 'bordereaux.exercice'])
        .where('acquits.sha256', 'in', batch)
        .execute();
      for (const row of rows) add(row.sha256, `PES_Acquit « ${row.nom_fic} »${row.numero !== null ? ` du bordereau n° ${row.numero} (exercice ${row.exercice})` : ''}`);
    }
  }
  return uses;
}

function usedBySentence(usedBy: string[]): string {
  return usedBy.length > 0 ? ` — utilisé par : ${usedBy.join(' ; ')}` : ' — utilisé par aucun enregistrement';
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
      problems.push({ kind: 'blob_corrupted', sha256, path: blobs.pathOf(sha256), usedBy: [], message: `Fichier altéré : ${blobs.pathOf(sha256)} ne correspond plus à son empreinte ${sha256}` });
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
        usedBy: [],
        message: `Fichier manquant : ${reference.table}.${reference.column} de ${row.row_id} désigne ${row.sha256}, absent du stockage`,
      });
    }
  }

  const damaged = problems.filter((problem) => problem.kind === 'blob_corrupted' || problem.kind === 'blob_missing');
  if (damaged.length > 0) {
    const uses = await recordsUsing(db, [...new Set(damaged.map((problem) => problem.sha256))], present);
    for (const problem of damaged) {
      problem.usedBy = uses.get(problem.sha256) ?? [];
      problem.message += usedBySentence(problem.usedBy);
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
