// Eliminations (domain.md §2.1): when the retention of processed documents has ended, Liasse
// proposes their elimination; the archivist approves (visa) or refuses; only then may an operator
// execute it, which destroys the stored files (never the accounting rows, kept as the register of
// what was destroyed). Nothing is ever deleted automatically. Every step is in the audit log.
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { BlobStore } from '../../store/blob-store.ts';
import type { Database } from '../../store/schema.ts';
import { actorName } from '../deadlines/index.ts';
import { getRetentionRule, retentionEnd } from './retention.ts';

/** Invoices in these statuses are finished; open ones are never proposed. */
export const PROCESSED_STATUSES = ['paid', 'rejected', 'mandated', 'sent_to_accountant'];

export type EliminationCandidate = {
  entity: 'invoice' | 'mandat' | 'bordereau';
  entityId: string;
  documentClass: string;
  exercice: number;
  label: string;
  retentionEnd: string;
  files: string[];
};

export class EliminationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EliminationError';
  }
}

async function alreadyProposed(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db
    .selectFrom('elimination_items')
    .innerJoin('elimination_proposals', 'elimination_proposals.id', 'elimination_items.proposal_id')
    .select(['elimination_items.entity', 'elimination_items.entity_id'])
    .where('elimination_proposals.status', 'in', ['proposed', 'approved', 'executed'])
    .execute();
  return new Set(rows.map((row) => `${row.entity}:${row.entity_id}`));
}

/** Documents of a tenant whose retention ended before `today` and whose final action is destruction. */
export async function findEliminationCandidates(db: Kysely<Database>, tenantId: string, today: string): Promise<EliminationCandidate[]> {
  const taken = await alreadyProposed(db);
  const candidates: EliminationCandidate[] = [];
  const invoiceRule = await getRetentionRule(db, tenantId, 'facture');
  const mandatRule = await getRetentionRule(db, tenantId, 'mandat');
  const bordereauRule = await getRetentionRule(db, tenantId, 'bordereau');

  // The exercice of an invoice is its mandat's; without a mandat, the year of the invoice.
  const invoices = await db
    .selectFrom('invoices')
    .leftJoin('mandats', 'mandats.invoice_id', 'invoices.id')
    .select(['invoices.id', 'invoices.number', 'invoices.seller_name', 'invoices.issue_date', 'invoices.created_at', 'invoices.original_sha256', 'invoices.pivot_sha256', 'invoices.pdf_sha256', 'mandats.exercice'])
    .where('invoices.tenant_id', '=', tenantId)
    .where('invoices.status', 'in', PROCESSED_STATUSES)
    .execute();
  if (invoiceRule.finalAction === 'destroy') {
    const seen = new Set<string>();
    for (const invoice of invoices) {
      if (seen.has(invoice.id) || taken.has(`invoice:${invoice.id}`)) continue;
      seen.add(invoice.id);
      const exercice = invoice.exercice ?? Number((invoice.issue_date ?? invoice.created_at).slice(0, 4));
      const end = retentionEnd(exercice, invoiceRule.years);
      if (end >= today) continue;
      const files = await db.selectFrom('invoice_files').select('sha256').where('invoice_id', '=', invoice.id).execute();
      candidates.push({
        entity: 'invoice',
        entityId: invoice.id,
        documentClass: 'facture',
        exercice,
        label: `Facture ${invoice.number ?? '?'} – ${invoice.seller_name ?? '?'}`,
        retentionEnd: end,
        files: [...new Set([...files.map((file) => file.sha256), invoice.original_sha256, invoice.pivot_sha256, invoice.pdf_sha256].filter((sha): sha is string => !!sha))],
      });
    }
  }
  if (mandatRule.finalAction === 'destroy') {
    const mandats = await db.selectFrom('mandats').select(['id', 'numero', 'exercice', 'objet']).where('tenant_id', '=', tenantId).where('status', 'in', ['accepted', 'cancelled']).execute();
    for (const mandat of mandats) {
      const end = retentionEnd(mandat.exercice, mandatRule.years);
      if (end >= today || taken.has(`mandat:${mandat.id}`)) continue;
      const pjs = await db.selectFrom('mandat_pjs').select('sha256').where('mandat_id', '=', mandat.id).execute();
      candidates.push({ entity: 'mandat', entityId: mandat.id, documentClass: 'mandat', exercice: mandat.exercice, label: `Mandat ${mandat.numero}/${mandat.exercice} – ${mandat.objet}`, retentionEnd: end, files: [...new Set(pjs.map((pj) => pj.sha256))] });
    }
  }
  if (bordereauRule.finalAction === 'destroy') {
    const bordereaux = await db.selectFrom('bordereaux').select(['id', 'numero', 'exercice', 'pes_sha256']).where('tenant_id', '=', tenantId).where('status', 'in', ['accepted', 'rejected']).execute();
    for (const bordereau of bordereaux) {
      const end = retentionEnd(bordereau.exercice, bordereauRule.years);
      if (end >= today || taken.has(`bordereau:${bordereau.id}`)) continue;
      const acquits = await db.selectFrom('acquits').select('sha256').where('bordereau_id', '=', bordereau.id).execute();
      candidates.push({
        entity: 'bordereau',
        entityId: bordereau.id,
        documentClass: 'bordereau',
        exercice: bordereau.exercice,
        label: `Bordereau ${bordereau.numero}/${bordereau.exercice}`,
        retentionEnd: end,
        files: [...new Set([bordereau.pes_sha256, ...acquits.map((acquit) => acquit.sha256)].filter((sha): sha is string => !!sha))],
      });
    }
  }
  return candidates;
}

export type EliminationProposal = {
  id: string;
  tenantId: string;
  status: string;
  createdAt: string;
  createdBy: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  executedAt: string | null;
  items: EliminationCandidate[];
};

/** Creates a proposal with every candidate not yet proposed; null when there is none. */
export async function proposeEliminations(db: Kysely<Database>, tenantId: string, today: string, actor: Actor): Promise<EliminationProposal | null> {
  requirePermission(actor, 'admin.manage');
  const candidates = await findEliminationCandidates(db, tenantId, today);
  if (candidates.length === 0) return null;
  const id = newId();
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('elimination_proposals').values({ id, tenant_id: tenantId, status: 'proposed', item_count: candidates.length, created_by: actorName(actor), created_at: now, decided_by: null, decided_at: null, decision_note: null, executed_by: null, executed_at: null }).execute();
    for (const item of candidates) {
      await trx
        .insertInto('elimination_items')
        .values({ proposal_id: id, entity: item.entity, entity_id: item.entityId, document_class: item.documentClass, exercice: item.exercice, label: item.label, retention_end: item.retentionEnd, files_json: JSON.stringify(item.files) })
        .execute();
    }
    await appendAudit(trx, { tenantId, actor: actorName(actor), action: 'elimination.propose', entity: 'elimination_proposal', entityId: id, data: { items: candidates.map((item) => ({ entity: item.entity, id: item.entityId, label: item.label, retentionEnd: item.retentionEnd })) } });
    for (const item of candidates.filter((candidate) => candidate.entity === 'invoice')) {
      await appendAudit(trx, { tenantId, actor: actorName(actor), action: 'archive.elimination_proposed', entity: 'invoice', entityId: item.entityId, data: { proposalId: id, retentionEnd: item.retentionEnd } });
    }
  });
  return getEliminationProposal(db, id);
}

export async function getEliminationProposal(db: Kysely<Database>, id: string): Promise<EliminationProposal> {
  const row = await db.selectFrom('elimination_proposals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new EliminationError(`Proposition d'élimination introuvable : ${id}`);
  const items = await db.selectFrom('elimination_items').selectAll().where('proposal_id', '=', id).orderBy('entity').orderBy('label').execute();
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status,
    createdAt: row.created_at,
    createdBy: row.created_by,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
    executedAt: row.executed_at,
    items: items.map((item) => ({
      entity: item.entity as EliminationCandidate['entity'],
      entityId: item.entity_id,
      documentClass: item.document_class,
      exercice: item.exercice,
      label: item.label,
      retentionEnd: item.retention_end,
      files: JSON.parse(item.files_json) as string[],
    })),
  };
}

export async function listEliminationProposals(db: Kysely<Database>, tenantId?: string) {
  let query = db.selectFrom('elimination_proposals').selectAll().orderBy('created_at', 'desc');
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  return query.execute();
}

/** The archivist's visa (approve) or refusal; a note (visa reference or reason) is required. */
export async function decideElimination(db: Kysely<Database>, id: string, decision: 'approve' | 'reject', note: string, actor: Actor): Promise<void> {
  requirePermission(actor, 'archive.approve_elimination');
  if (note.trim() === '') throw new EliminationError('Indiquez la référence du visa ou le motif du refus.');
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('elimination_proposals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new EliminationError(`Proposition d'élimination introuvable : ${id}`);
    if (row.status !== 'proposed') throw new EliminationError(`La proposition ${id} est déjà ${row.status}.`);
    const status = decision === 'approve' ? 'approved' : 'rejected';
    await trx.updateTable('elimination_proposals').set({ status, decided_by: actorName(actor), decided_at: new Date().toISOString(), decision_note: note.trim() }).where('id', '=', id).where('status', '=', 'proposed').execute();
    await appendAudit(trx, { tenantId: row.tenant_id, actor: actorName(actor), action: `elimination.${decision}`, entity: 'elimination_proposal', entityId: id, data: { note: note.trim() } });
  });
}

/**
 * Destroys the files of an approved proposal — only files no other live record still references
 * (the store is content-addressed: one file may serve several records). Rows stay, as the register.
 */
export async function executeElimination(db: Kysely<Database>, blobs: BlobStore, id: string, actor: Actor): Promise<{ destroyed: string[]; kept: string[] }> {
  requirePermission(actor, 'archive.approve_elimination');
  const proposal = await getEliminationProposal(db, id);
  if (proposal.status !== 'approved') throw new EliminationError(`La proposition ${id} n'est pas visée (statut : ${proposal.status}) : rien n'est détruit.`);
  const files = new Set(proposal.items.flatMap((item) => item.files));
  const items = new Set(proposal.items.map((item) => `${item.entity}:${item.entityId}`));
  const kept: string[] = [];
  const destroyed: string[] = [];
  for (const sha256 of files) {
    const users = [
      ...(await db.selectFrom('invoice_files').select('invoice_id as id').where('sha256', '=', sha256).execute()).map((row) => `invoice:${row.id}`),
      ...(await db
        .selectFrom('invoices')
        .select('id')
        .where((eb) => eb.or([eb('original_sha256', '=', sha256), eb('pivot_sha256', '=', sha256), eb('pdf_sha256', '=', sha256)]))
        .execute()).map((row) => `invoice:${row.id}`),
      ...(await db.selectFrom('mandat_pjs').select('mandat_id as id').where('sha256', '=', sha256).execute()).map((row) => `mandat:${row.id}`),
      ...(await db.selectFrom('bordereaux').select('id').where('pes_sha256', '=', sha256).execute()).map((row) => `bordereau:${row.id}`),
      ...(await db.selectFrom('acquits').select('bordereau_id as id').where('sha256', '=', sha256).execute()).map((row) => `bordereau:${row.id}`),
    ];
    if (users.some((user) => !items.has(user))) kept.push(sha256);
    else destroyed.push(sha256);
  }
  await db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('elimination_proposals').set({ status: 'executed', executed_by: actorName(actor), executed_at: new Date().toISOString() }).where('id', '=', id).where('status', '=', 'approved').executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new EliminationError(`La proposition ${id} a changé entre-temps.`);
    await appendAudit(trx, { tenantId: proposal.tenantId, actor: actorName(actor), action: 'elimination.execute', entity: 'elimination_proposal', entityId: id, data: { destroyed, kept, items: proposal.items.map((item) => ({ entity: item.entity, id: item.entityId, label: item.label })) } });
    for (const item of proposal.items.filter((candidate) => candidate.entity === 'invoice')) {
      await appendAudit(trx, { tenantId: proposal.tenantId, actor: actorName(actor), action: 'archive.eliminated', entity: 'invoice', entityId: item.entityId, data: { proposalId: id, visa: proposal.decisionNote } });
    }
  });
  // Files go after the commit: a crash in between leaves files that verify still accepts, never
  // a register that lies about what exists.
  for (const sha256 of destroyed) await import('node:fs/promises').then((fsp) => fsp.rm(blobs.pathOf(sha256), { force: true }));
  return { destroyed, kept };
}
