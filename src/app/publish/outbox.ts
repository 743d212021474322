// The outbox of Chorus statuses. A decision (suspend, reject, recycle, service fait, mandat…) writes
// its row here in the SAME transaction as the invoice's new status and its audit entry: either all
// of it commits or none, so a decision is never lost and never published without being recorded.
// The publishing worker (./worker.ts) drains the rows, in order per invoice.
import type { Kysely, Transaction } from 'kysely';
import { RECIPIENT_TARGET_STATUSES } from '../../chorus/types.ts';
import { newId } from '../../domain/ids.ts';
import {
  type ChorusStatus,
  HELIOS_STATUSES,
  isChorusStatus,
  MOTIF_MAX_LENGTH,
  MOTIF_REQUIRED,
} from '../../domain/lifecycle.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import type { PublishOutboxTable, PublishState } from '../../store/tables/publish.ts';

export type EnqueueInput = {
  tenantId: string;
  invoiceId: string;
  status: ChorusStatus;
  /** Required for SUSPENDUE and REJETEE; cut to 255 characters (Chorus' limit). */
  motif?: string | null | undefined;
  /** The mandat number, sent with MANDATEE. */
  numeroDPMandat?: string | null | undefined;
  actor: Actor;
};

export type EnqueuedPublication = { id: string; seq: number; state: PublishState; resolution: string | null };

export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

/** The actor as the audit log and the outbox spell it: "user:<id>", "cli", "system:<id>". */
export function auditActor(actor: Actor): string {
  return actor.kind === 'cli' ? 'cli' : `${actor.kind}:${actor.id}`;
}

/** Cuts a motif to Chorus' 255 characters on a word boundary when one is close. */
export function truncateMotif(motif: string): string {
  const clean = motif.replace(/\s+/g, ' ').trim();
  if (clean.length <= MOTIF_MAX_LENGTH) return clean;
  const cut = clean.slice(0, MOTIF_MAX_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > MOTIF_MAX_LENGTH - 40 ? cut.slice(0, space) : cut}…`;
}

/**
 * Queues a Chorus status for an invoice inside the caller's transaction. The mandats use case calls
 * it with MANDATEE (and the mandat number) in its mandat transaction; decisions call it through
 * src/app/decisions. For an authority whose accounts Hélios keeps, MISE_A_DISPOSITION_COMPTABLE and
 * MISE_EN_PAIEMENT are recorded as skipped: Hélios posts them itself.
 */
export async function enqueueChorusStatus(trx: Transaction<Database>, input: EnqueueInput): Promise<void> {
  await enqueuePublication(trx, input);
}

/** Same as enqueueChorusStatus, returning the row written. */
export async function enqueuePublication(trx: Transaction<Database>, input: EnqueueInput): Promise<EnqueuedPublication> {
  const { tenantId, invoiceId, status, actor } = input;
  if (!isChorusStatus(status) || !(RECIPIENT_TARGET_STATUSES as readonly string[]).includes(status)) {
    throw new PublishError(`Statut Chorus Pro non publiable par le destinataire : ${status}.`);
  }
  const motif = input.motif?.trim() ? truncateMotif(input.motif) : null;
  if (MOTIF_REQUIRED.includes(status) && !motif) {
    throw new PublishError(`Un motif est obligatoire pour publier le statut ${status} sur Chorus Pro.`);
  }
  const now = new Date().toISOString();
  // Touching the invoice row locks it until commit (both dialects): two transactions queuing for
  // the same invoice take their sequence numbers one after the other.
  const invoice = await trx
    .updateTable('invoices')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', invoiceId)
    .where('tenant_id', '=', tenantId)
    .returning(['chorus_id'])
    .executeTakeFirst();
  if (!invoice) throw new PublishError(`Facture inconnue pour cette collectivité : ${invoiceId}.`);
  const last = await trx
    .selectFrom('publish_outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('invoice_id', '=', invoiceId)
    .executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  const helios = HELIOS_STATUSES.includes(status) && (await heliosKeepsAccounts(trx, tenantId));
  const row: PublishOutboxTable = {
    id: newId(),
    tenant_id: tenantId,
    invoice_id: invoiceId,
    seq,
    chorus_id: Number(invoice.chorus_id),
    status,
    motif,
    numero_dp_mandat: input.numeroDPMandat?.trim() || null,
    state: helios ? 'skipped' : 'pending',
    resolution: helios ? 'helios' : null,
    attempts: 0,
    next_attempt_at: now,
    lease_owner: null,
    lease_until: null,
    history_baseline: null,
    last_error: null,
    actor: auditActor(actor),
    created_at: now,
    updated_at: now,
    done_at: helios ? now : null,
  };
  await trx.insertInto('publish_outbox').values(row).execute();
  await appendAudit(trx, {
    tenantId,
    actor: auditActor(actor),
    action: helios ? 'publish.skip_helios' : 'publish.enqueue',
    entity: 'invoice',
    entityId: invoiceId,
    data: { outboxId: row.id, seq, status, motif, numeroDPMandat: row.numero_dp_mandat },
    at: now,
  });
  return { id: row.id, seq, state: row.state, resolution: row.resolution };
}

// ---------------------------------------------------------------------------------------------
// Settings

/** Whether Hélios keeps the authority's accounts (default true: every collectivité on Hélios). */
export async function heliosKeepsAccounts(db: Kysely<Database> | Transaction<Database>, tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('publish_settings').select('helios_keeps_accounts').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row ? Number(row.helios_keeps_accounts) === 1 : true;
}

export async function setHeliosKeepsAccounts(db: Kysely<Database>, tenantId: string, value: boolean, actor: Actor): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const tenant = await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (!tenant) throw new PublishError(`Collectivité inconnue : ${tenantId}.`);
    await trx
      .insertInto('publish_settings')
      .values({ tenant_id: tenantId, helios_keeps_accounts: value ? 1 : 0, updated_at: now })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ helios_keeps_accounts: value ? 1 : 0, updated_at: now }))
      .execute();
    await appendAudit(trx, {
      tenantId,
      actor: auditActor(actor),
      action: 'publish.settings',
      entity: 'tenant',
      entityId: tenantId,
      data: { heliosKeepsAccounts: value },
      at: now,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// What a person sees and does

export type Publication = {
  id: string;
  tenantId: string;
  invoiceId: string;
  invoiceNumber: string | null;
  chorusId: number;
  seq: number;
  status: string;
  motif: string | null;
  numeroDPMandat: string | null;
  state: PublishState;
  resolution: string | null;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  actor: string;
  createdAt: string;
  doneAt: string | null;
};

export async function listPublications(
  db: Kysely<Database>,
  filter: { id?: string; tenantId?: string; invoiceId?: string; states?: PublishState[]; limit?: number } = {},
): Promise<Publication[]> {
  let query = db
    .selectFrom('publish_outbox as o')
    .innerJoin('invoices as i', 'i.id', 'o.invoice_id')
    .selectAll('o')
    .select('i.number as invoice_number');
  if (filter.id) query = query.where('o.id', '=', filter.id);
  if (filter.tenantId) query = query.where('o.tenant_id', '=', filter.tenantId);
  if (filter.invoiceId) query = query.where('o.invoice_id', '=', filter.invoiceId);
  if (filter.states && filter.states.length > 0) query = query.where('o.state', 'in', filter.states);
  const rows = await query.orderBy('o.created_at').orderBy('o.invoice_id').orderBy('o.seq').limit(filter.limit ?? 1000).execute();
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    invoiceId: row.invoice_id,
    invoiceNumber: row.invoice_number,
    chorusId: Number(row.chorus_id),
    seq: Number(row.seq),
    status: row.status,
    motif: row.motif,
    numeroDPMandat: row.numero_dp_mandat,
    state: row.state as PublishState,
    resolution: row.resolution,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    actor: row.actor,
    createdAt: row.created_at,
    doneAt: row.done_at,
  }));
}

/** The failures that need a person: the visible list behind `liasse publish --failures`. */
export function listPublishFailures(db: Kysely<Database>, filter: { tenantId?: string } = {}): Promise<Publication[]> {
  return listPublications(db, { ...filter, states: ['failed'] });
}

/** Puts a failed publication back in the queue, due now (the retry action of the failures list). */
export async function retryPublication(db: Kysely<Database>, outboxId: string, actor: Actor): Promise<Publication> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('publish_outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    if (!row) throw new PublishError(`Publication inconnue : ${outboxId}.`);
    if (row.state !== 'failed') {
      throw new PublishError(`Seule une publication en échec peut être relancée (celle-ci est « ${row.state} »).`);
    }
    await trx
      .updateTable('publish_outbox')
      .set({ state: 'pending', next_attempt_at: now, attempts: 0, last_error: row.last_error, updated_at: now })
      .where('id', '=', outboxId)
      .where('state', '=', 'failed')
      .execute();
    await appendAudit(trx, {
      tenantId: row.tenant_id,
      actor: auditActor(actor),
      action: 'publish.retry',
      entity: 'invoice',
      entityId: row.invoice_id,
      data: { outboxId, status: row.status, lastError: row.last_error },
      at: now,
    });
  });
  const [publication] = await listPublications(db, { id: outboxId });
  return publication!;
}

/**
 * Gives up a failed publication, with the reason, so that the invoice's later statuses are
 * published again (a failed row blocks them: statuses reach Chorus in order). For a status a person
 * settled elsewhere (posted on the portal, no longer relevant). The row is closed as skipped,
 * resolution 'abandoned'; audited on the invoice.
 */
export async function abandonPublication(db: Kysely<Database>, outboxId: string, actor: Actor, reason: string): Promise<Publication> {
  requirePermission(actor, 'invoice.decide');
  const why = reason.replace(/\s+/g, ' ').trim();
  if (!why) throw new PublishError("Le motif de l'abandon est obligatoire (il est gardé dans l'historique de la facture).");
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('publish_outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    if (!row) throw new PublishError(`Publication inconnue : ${outboxId}.`);
    if (row.state !== 'failed') {
      throw new PublishError(`Seule une publication en échec peut être abandonnée (celle-ci est « ${row.state} »).`);
    }
    const updated = await trx
      .updateTable('publish_outbox')
      .set({ state: 'skipped', resolution: 'abandoned', lease_owner: null, lease_until: null, updated_at: now, done_at: now })
      .where('id', '=', outboxId)
      .where('state', '=', 'failed')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new PublishError("La publication vient d'être modifiée par ailleurs : rechargez la liste et recommencez.");
    await appendAudit(trx, {
      tenantId: row.tenant_id,
      actor: auditActor(actor),
      action: 'publish.abandon',
      entity: 'invoice',
      entityId: row.invoice_id,
      data: { outboxId, status: row.status, reason: why, lastError: row.last_error, attempts: Number(row.attempts) },
      at: now,
    });
  });
  const [publication] = await listPublications(db, { id: outboxId });
  return publication!;
}
