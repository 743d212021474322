// Outgoing webhooks for every invoice event. The source is the audit log: every use case writes
// an audit entry (entity 'invoice') for what happens to an invoice, so following the log from a
// cursor catches every event without each writer knowing about webhooks. Deliveries are stored,
// signed with HMAC-SHA256 and retried with exponential back-off; the event id lets the receiver
// ignore a redelivery.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { actorName } from '../deadlines/index.ts';

export const SIGNATURE_HEADER = 'x-liasse-signature';
export const TIMESTAMP_HEADER = 'x-liasse-timestamp';
export const EVENT_HEADER = 'x-liasse-event';
export const DELIVERY_HEADER = 'x-liasse-delivery';
const CURSOR = 'webhooks_audit_cursor';

/** "sha256=<hex>" of HMAC(secret, "<timestamp>.<body>"): the timestamp is signed to defeat replays. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): constant-time check, with a tolerance on the timestamp. */
export function verifyWebhookSignature(secret: string, timestamp: string, body: string, signature: string, now = Date.now(), toleranceSeconds = 300): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  return Math.abs(now / 1000 - Number(timestamp)) <= toleranceSeconds;
}

export async function addWebhookEndpoint(
  db: Kysely<Database>,
  input: { tenantId: string; url: string; events?: string[] | null; secret?: string },
  actor: Actor,
): Promise<{ id: string; secret: string }> {
  requirePermission(actor, 'admin.manage');
  if (!/^https?:\/\/[^\s]+$/.test(input.url)) throw new Error(`URL de webhook invalide : ${input.url}`);
  const id = newId();
  const secret = input.secret ?? randomBytes(32).toString('base64url');
  await db.transaction().execute(async (trx) => {
    // The first endpoint starts the event stream now: past history is not replayed to it.
    const cursor = await trx.selectFrom('sequences').select('value').where('name', '=', CURSOR).executeTakeFirst();
    if (!cursor) {
      const head = await trx.selectFrom('sequences').select('value').where('name', '=', 'audit_log').executeTakeFirst();
      await trx.insertInto('sequences').values({ name: CURSOR, value: Number(head?.value ?? 0) }).execute();
    }
    await trx
      .insertInto('webhook_endpoints')
      .values({ id, tenant_id: input.tenantId, url: input.url, secret, events_json: input.events?.length ? JSON.stringify(input.events) : null, active: 1, created_at: new Date().toISOString() })
      .execute();
    await appendAudit(trx, { tenantId: input.tenantId, actor: actorName(actor), action: 'webhook.add', entity: 'webhook_endpoint', entityId: id, data: { url: input.url, events: input.events ?? null } });
  });
  return { id, secret };
}

export async function setWebhookActive(db: Kysely<Database>, id: string, active: boolean, actor: Actor): Promise<void> {
  requirePermission(actor, 'admin.manage');
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('webhook_endpoints').select(['tenant_id']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`Webhook introuvable : ${id}`);
    await trx.updateTable('webhook_endpoints').set({ active: active ? 1 : 0 }).where('id', '=', id).execute();
    await appendAudit(trx, { tenantId: row.tenant_id, actor: actorName(actor), action: active ? 'webhook.enable' : 'webhook.disable', entity: 'webhook_endpoint', entityId: id });
  });
}

export async function listWebhookEndpoints(db: Kysely<Database>, tenantId?: string) {
  let query = db.selectFrom('webhook_endpoints').select(['id', 'tenant_id', 'url', 'events_json', 'active', 'created_at']).orderBy('created_at');
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  return query.execute();
}

/** "invoice.*" matches every invoice event; exact names match themselves. */
export function eventMatches(patterns: string[] | null, type: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  return patterns.some((pattern) => pattern === type || pattern === '*' || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}

export type WebhookPayload = {
  id: string;
  type: string;
  at: string;
  tenantId: string | null;
  invoice: { id: string; chorusId: number | null; number: string | null; status: string | null } | null;
  actor: string;
  data: unknown;
};

/**
 * Turns the audit entries written since the last call into deliveries for the matching endpoints.
 * Event type: "invoice.<verb>" from the audit action ("invoice.suspend" stays, "decision.x" becomes
 * "invoice.decision.x"). Returns the number of deliveries queued.
 */
export async function enqueueInvoiceEvents(db: Kysely<Database>, batchSize = 500): Promise<number> {
  let queued = 0;
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      let cursor = await trx.selectFrom('sequences').select('value').where('name', '=', CURSOR).executeTakeFirst();
      if (!cursor) {
        await trx.insertInto('sequences').values({ name: CURSOR, value: 0 }).execute();
        cursor = { value: 0 };
      }
      const entries = await trx
        .selectFrom('audit_log')
        .selectAll()
        .where('seq', '>', Number(cursor.value))
        .orderBy('seq')
        .limit(batchSize)
        .execute();
      if (entries.length === 0) return true;
      const endpoints = await trx.selectFrom('webhook_endpoints').selectAll().where('active', '=', 1).execute();
      const now = new Date().toISOString();
      for (const entry of entries) {
        if (entry.entity !== 'invoice' || entry.entity_id === null) continue;
        const targets = endpoints.filter((endpoint) => endpoint.tenant_id === entry.tenant_id);
        if (targets.length === 0) continue;
        const type = entry.action.startsWith('invoice.') ? entry.action : `invoice.${entry.action}`;
        const invoice = await trx.selectFrom('invoices').select(['id', 'chorus_id', 'number', 'status']).where('id', '=', entry.entity_id).executeTakeFirst();
        const eventId = `audit-${entry.seq}`;
        const payload: WebhookPayload = {
          id: eventId,
          type,
          at: entry.at,
          tenantId: entry.tenant_id,
          invoice: invoice ? { id: invoice.id, chorusId: Number(invoice.chorus_id), number: invoice.number, status: invoice.status } : { id: entry.entity_id, chorusId: null, number: null, status: null },
          actor: entry.actor,
          data: entry.data_json === null ? null : JSON.parse(entry.data_json),
        };
        for (const endpoint of targets) {
          if (!eventMatches(endpoint.events_json ? (JSON.parse(endpoint.events_json) as string[]) : null, type)) continue;
          await trx
            .insertInto('webhook_deliveries')
            .values({ id: newId(), tenant_id: endpoint.tenant_id, endpoint_id: endpoint.id, event_type: type, event_id: eventId, payload_json: JSON.stringify(payload), status: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_error: null, created_at: now, delivered_at: null })
            .execute();
          queued += 1;
        }
      }
      await trx.updateTable('sequences').set({ value: Number(entries[entries.length - 1]!.seq) }).where('name', '=', CURSOR).execute();
      return entries.length < batchSize;
    });
    if (done) return queued;
  }
}

export type DeliveryOptions = {
  now?: () => Date;
  maxAttempts?: number;
  /** First retry delay; doubles at each attempt, capped at 6 hours. */
  baseDelayMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

export type DeliveryOutcome = { id: string; endpointId: string; eventId: string; status: 'delivered' | 'retry' | 'failed'; httpStatus: number | null; error: string | null };

/** Posts every due delivery once. A 2xx delivers; anything else schedules a retry, up to maxAttempts. */
export async function deliverDueWebhooks(db: Kysely<Database>, options: DeliveryOptions = {}): Promise<DeliveryOutcome[]> {
  const now = options.now ?? (() => new Date());
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelayMs ?? 30_000;
  const post = options.fetch ?? fetch;
  const due = await db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .select(['webhook_deliveries.id', 'webhook_deliveries.endpoint_id', 'webhook_deliveries.event_id', 'webhook_deliveries.event_type', 'webhook_deliveries.payload_json', 'webhook_deliveries.attempts', 'webhook_endpoints.url', 'webhook_endpoints.secret'])
    .where('webhook_deliveries.status', '=', 'pending')
    .where('webhook_deliveries.next_attempt_at', '<=', now().toISOString())
    .where('webhook_endpoints.active', '=', 1)
    .orderBy('webhook_deliveries.created_at')
    .limit(200)
    .execute();
  const outcomes: DeliveryOutcome[] = [];
  for (const delivery of due) {
    const timestamp = String(Math.floor(now().getTime() / 1000));
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const response = await post(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Liasse-Webhooks/1',
          [EVENT_HEADER]: delivery.event_type,
          [DELIVERY_HEADER]: delivery.event_id,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(delivery.secret, timestamp, delivery.payload_json),
        },
        body: delivery.payload_json,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status >= 300) error = `HTTP ${response.status}`;
    } catch (failure) {
      error = (failure as Error).message;
    }
    const attempts = Number(delivery.attempts) + 1;
    let status: DeliveryOutcome['status'];
    if (error === null) {
      status = 'delivered';
      await db.updateTable('webhook_deliveries').set({ status: 'delivered', attempts, last_status: httpStatus, last_error: null, delivered_at: now().toISOString() }).where('id', '=', delivery.id).execute();
    } else {
      status = attempts >= maxAttempts ? 'failed' : 'retry';
      const delay = Math.min(baseDelay * 2 ** (attempts - 1), 6 * 3600_000);
      await db
        .updateTable('webhook_deliveries')
        .set({ status: status === 'failed' ? 'failed' : 'pending', attempts, last_status: httpStatus, last_error: error.slice(0, 500), next_attempt_at: new Date(now().getTime() + delay).toISOString() })
        .where('id', '=', delivery.id)
        .execute();
    }
    outcomes.push({ id: delivery.id, endpointId: delivery.endpoint_id, eventId: delivery.event_id, status, httpStatus, error });
  }
  return outcomes;
}

/** Puts failed deliveries back in the queue (after the receiver was fixed). */
export async function retryFailedWebhooks(db: Kysely<Database>, endpointId?: string): Promise<number> {
  let query = db.updateTable('webhook_deliveries').set({ status: 'pending', attempts: 0, next_attempt_at: new Date().toISOString() }).where('status', '=', 'failed');
  if (endpointId) query = query.where('endpoint_id', '=', endpointId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
