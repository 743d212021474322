// The decisions an agent takes on a received invoice: certify the service fait, suspend, reject,
// send back for recycling. Each one writes, in ONE transaction, the invoice's new status, the
// Chorus status to publish (outbox) and the audit entry: the decision, its publication and its
// trace commit together or not at all. Amounts are never edited here (nor anywhere): a wrong
// amount is a rejection and a new invoice (domain.md §1.3).
import type { Kysely } from 'kysely';
import { checkDecision, DecisionError, type ReturnDecision } from '../../domain/decisions/index.ts';
import {
  actionRefusal,
  type ChorusStatus,
  CHORUS_STATUS_OF_EVENT,
  type DecisionKind,
  EVENT_OF_DECISION,
  type InvoiceStatus,
  LifecycleError,
  transition,
} from '../../domain/lifecycle.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { auditActor, enqueuePublication, truncateMotif } from '../publish/outbox.ts';

export type DecideInput = {
  invoiceId: string;
  decision: DecisionKind;
  /** Reason codes of the catalogue (src/domain/decisions); required except for service fait. */
  reasons?: readonly string[];
  /** Free text added to the motif sent to the supplier (and kept in the audit entry). */
  comment?: string | null;
  actor: Actor;
  /** When given, the invoice must belong to this authority. */
  tenantId?: string;
};

export type DecisionResult = {
  invoiceId: string;
  decision: DecisionKind;
  from: InvoiceStatus;
  to: InvoiceStatus;
  chorusStatus: ChorusStatus | null;
  motif: string | null;
  outboxId: string | null;
  /** What the guided choice proposes for the reasons given (null for service fait). */
  proposed: ReturnDecision | null;
  warnings: string[];
};

/** Times the invoice was suspended: on Chorus (history) or by Liasse (outbox), all cycles together. */
async function countSuspensions(db: Kysely<Database>, invoiceId: string): Promise<number> {
  const [history, outbox] = await Promise.all([
    db
      .selectFrom('chorus_history')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('invoice_id', '=', invoiceId)
      .where('status', '=', 'SUSPENDUE')
      .executeTakeFirst(),
    db
      .selectFrom('publish_outbox')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('invoice_id', '=', invoiceId)
      .where('status', '=', 'SUSPENDUE')
      .executeTakeFirst(),
  ]);
  // The same suspension appears in both once synced: the larger count is the number of suspensions.
  return Math.max(Number(history?.count ?? 0), Number(outbox?.count ?? 0));
}

export async function decide(db: Kysely<Database>, input: DecideInput): Promise<DecisionResult> {
  const { invoiceId, decision, actor } = input;
  requirePermission(actor, decision === 'service_fait' ? 'invoice.certify_service_fait' : 'invoice.decide');
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom('invoices')
      .select(['id', 'tenant_id', 'status', 'number', 'document_type', 'quarantined', 'quarantine_reason', 'history_only'])
      .where('id', '=', invoiceId);
    if (input.tenantId) query = query.where('tenant_id', '=', input.tenantId);
    const invoice = await query.executeTakeFirst();
    if (!invoice) throw new DecisionError(`Facture inconnue : ${invoiceId}.`);
    const refusal = actionRefusal({ id: invoice.id, number: invoice.number, quarantined: invoice.quarantined, quarantineReason: invoice.quarantine_reason, historyOnly: invoice.history_only });
    if (refusal) throw new DecisionError(refusal);
    const from = invoice.status as InvoiceStatus;
    const event = EVENT_OF_DECISION[decision];
    const comment = input.comment?.trim() || null;

    let motif: string | null = null;
    let proposed: ReturnDecision | null = null;
    let warnings: string[] = [];
    let reasons: string[] = [];
    const previousSuspensions = await countSuspensions(trx, invoiceId);
    if (decision !== 'service_fait') {
      const checked = checkDecision(decision, input.reasons ?? [], comment, { canSuspend: previousSuspensions === 0 });
      motif = truncateMotif(checked.motif);
      proposed = checked.proposed;
      warnings = checked.warnings;
      reasons = checked.reasons.map((reason) => reason.code);
    }
    let to: InvoiceStatus;
    try {
      to = transition(from, event, { motif, previousSuspensions, documentType: invoice.document_type });
    } catch (error) {
      // A business refusal like the others (the HTTP edge answers 422 to a DecisionError); same message.
      if (error instanceof LifecycleError) throw new DecisionError(error.message);
      throw error;
    }

    const now = new Date().toISOString();
    const updated = await trx
      .updateTable('invoices')
      .set({ status: to, updated_at: now })
      .where('id', '=', invoiceId)
      .where('status', '=', from)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) {
      throw new DecisionError("La facture vient d'être modifiée par ailleurs : rechargez-la et recommencez.");
    }
    const chorusStatus = CHORUS_STATUS_OF_EVENT[event] ?? null;
    const outbox = chorusStatus
      ? await enqueuePublication(trx, { tenantId: invoice.tenant_id, invoiceId, status: chorusStatus, motif, actor })
      : null;
    await appendAudit(trx, {
      tenantId: invoice.tenant_id,
      actor: auditActor(actor),
      action: `invoice.${decision}`,
      entity: 'invoice',
      entityId: invoiceId,
      data: { from, to, reasons, motif, comment, chorusStatus, outboxId: outbox?.id ?? null, proposed, warnings, actorName: actor.name },
      at: now,
    });
    return { invoiceId, decision, from, to, chorusStatus, motif, outboxId: outbox?.id ?? null, proposed, warnings };
  });
}

type Common = { invoiceId: string; comment?: string | null; actor: Actor; tenantId?: string };

/** Certifies the service fait (role valideur): the invoice may then be mandated; SERVICE_FAIT is published. */
export function certifyServiceFait(db: Kysely<Database>, input: Common): Promise<DecisionResult> {
  return decide(db, { ...input, decision: 'service_fait' });
}

/** Suspends (SUSPENDUE): once only, before the mandat, for a missing document or mention. */
export function suspendInvoice(db: Kysely<Database>, input: Common & { reasons: readonly string[] }): Promise<DecisionResult> {
  return decide(db, { ...input, decision: 'suspend' });
}

/** Rejects (REJETEE, final): the supplier must issue a new invoice. */
export function rejectInvoice(db: Kysely<Database>, input: Common & { reasons: readonly string[] }): Promise<DecisionResult> {
  return decide(db, { ...input, decision: 'reject' });
}

/** Sends back for recycling (A_RECYCLER): the supplier corrects the routing data and redeposits. */
export function sendBackForRecycling(db: Kysely<Database>, input: Common & { reasons: readonly string[] }): Promise<DecisionResult> {
  return decide(db, { ...input, decision: 'recycle' });
}
