// The publishing worker: posts the outbox rows to Chorus with traiterFactureRecue, exactly once and
// in order per invoice, whatever fails and whoever else runs.
//
// - No in-process state: a row is claimed with a lease (owner + expiry) in a transaction, with a
//   compare-and-set on the row; another worker takes it only once the lease has expired. A row is
//   claimable only when every earlier row of its invoice is done, so an invoice's statuses reach
//   Chorus in the order they were decided.
// - Exactly once: before the first post the worker records which history entries Chorus already
//   has (history_baseline); before any later attempt — after a crash, a timeout or a 5xx whose
//   effect is unknown — it reads the history again, and a new entry with our status proves the
//   earlier post went through: the row is closed without posting again. A 20002 (transition
//   refused) is resolved the same way: re-read, then either already reached, wait (Chorus has not
//   made the invoice available yet), or hand over to a person with the invoice resynchronised.
// - Retries with exponential backoff stored in next_attempt_at; failures that need a person stop in
//   state 'failed' (listPublishFailures / retryPublication).
// - Never posts MISE_A_DISPOSITION_COMPTABLE or MISE_EN_PAIEMENT for an authority whose accounts
//   Hélios keeps (checked again here, in case the setting changed after the decision).
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { ChorusError, CODE_TRANSITION_INTERDITE, type ChorusClient } from '../../chorus/client.ts';
import type { ConsulterHistoriqueResponse, RecipientTargetStatus } from '../../chorus/types.ts';
import { newId } from '../../domain/ids.ts';
import { HELIOS_STATUSES, isChorusStatus, statusAfterChorus, type ChorusStatus } from '../../domain/lifecycle.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';
import type { PublishOutboxTable } from '../../store/tables/publish.ts';
import type { AppContext } from '../context.ts';
import { heliosKeepsAccounts } from './outbox.ts';
import { refreshInvoiceHistory } from '../sync/history.ts';

/** What the worker needs from a Chorus client. */
export type PublishClient = Pick<ChorusClient, 'traiterFactureRecue' | 'consulterHistoriqueFacture'>;

export type PublishOutcome = 'posted' | 'already_reached' | 'retry' | 'failed' | 'skipped' | 'lease_lost';

export type PublishEvent = {
  outboxId: string;
  invoiceId: string;
  status: string;
  attempt: number;
  outcome: PublishOutcome;
  message: string | null;
};

export type PublisherOptions = {
  /** Identifies this worker in leases and attempts (default host:pid:random). */
  workerId?: string;
  /** The Chorus client of a tenant (default: chorusClientForTenant, without client-side retries). */
  clientForTenant?: (tenantId: string) => Promise<PublishClient>;
  /** How long a claimed row stays ours (default 120 s; longer than two Chorus calls). */
  leaseMs?: number;
  /** First retry delay, doubled each attempt with ±50 % jitter (default 30 s). */
  baseDelayMs?: number;
  /** Longest delay between two attempts (default 1 h). */
  maxDelayMs?: number;
  /** Attempts before a transient failure is handed to a person (default 50, ~2 days at 1 h). */
  maxAttempts?: number;
  /** Rows processed at once, never two of the same invoice (default 4). */
  concurrency?: number;
  /** Only this authority's rows. */
  tenantId?: string;
  /** Longest sleep while waiting for a due row in runPublisher (default 5 s). */
  pollMs?: number;
  onEvent?: (event: PublishEvent) => void;
  signal?: AbortSignal;
};

export type PublishSummary = {
  posted: number;
  alreadyReached: number;
  skipped: number;
  retried: number;
  failed: number;
  leaseLost: number;
};

type Settings = Required<Pick<PublisherOptions, 'workerId' | 'leaseMs' | 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts' | 'concurrency' | 'pollMs'>> & {
  clientForTenant: (tenantId: string) => Promise<PublishClient>;
  tenantId: string | undefined;
  onEvent: ((event: PublishEvent) => void) | undefined;
  signal: AbortSignal | undefined;
};

function settingsOf(context: AppContext, options: PublisherOptions): Settings {
  const clients = new Map<string, Promise<PublishClient>>();
  const defaultClientFor = (tenantId: string): Promise<PublishClient> => {
    let client = clients.get(tenantId);
    if (!client) {
      // Client-side retries off: a POST retried blindly after a 5xx could publish twice; every
      // retry goes through the outbox, which reads the history first.
      client = import('../tenants.ts').then(({ chorusClientForTenant }) => chorusClientForTenant(context, tenantId, { maxRetries: 0 }));
      client.catch(() => clients.delete(tenantId));
      clients.set(tenantId, client);
    }
    return client;
  };
  return {
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-6)}`,
    leaseMs: options.leaseMs ?? 120_000,
    baseDelayMs: options.baseDelayMs ?? 30_000,
    maxDelayMs: options.maxDelayMs ?? 3_600_000,
    maxAttempts: options.maxAttempts ?? 50,
    concurrency: Math.max(1, options.concurrency ?? 4),
    pollMs: options.pollMs ?? 5_000,
    clientForTenant: options.clientForTenant ?? defaultClientFor,
    tenantId: options.tenantId,
    onEvent: options.onEvent,
    signal: options.signal,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// Claiming

/**
 * Claims the next due row whose invoice has no earlier open row, with a lease. Rows whose lease
 * expired (a worker died mid-attempt) are due again. Returns null when nothing is due now.
 */
export async function claimNext(
  db: Kysely<Database>,
  dialect: Dialect,
  workerId: string,
  leaseMs: number,
  filter: { tenantId?: string | undefined; excludeInvoices?: ReadonlySet<string> } = {},
): Promise<PublishOutboxTable | null> {
  return db.transaction().execute(async (trx) => {
    const now = Date.now();
    const nowIso = iso(now);
    let query = trx
      .selectFrom('publish_outbox as o')
      .selectAll('o')
      .where((eb) =>
        eb.or([
          eb.and([eb('o.state', '=', 'pending'), eb('o.next_attempt_at', '<=', nowIso)]),
          eb.and([eb('o.state', '=', 'in_progress'), eb('o.lease_until', '<=', nowIso)]),
        ]),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('publish_outbox as p')
              .select('p.id')
              .whereRef('p.invoice_id', '=', 'o.invoice_id')
              .whereRef('p.seq', '<', 'o.seq')
              .where('p.state', 'not in', ['posted', 'skipped']),
          ),
        ),
      );
    if (filter.tenantId) query = query.where('o.tenant_id', '=', filter.tenantId);
    const excluded = [...(filter.excludeInvoices ?? [])];
    if (excluded.length > 0) query = query.where('o.invoice_id', 'not in', excluded);
    query = query.orderBy('o.next_attempt_at').orderBy('o.created_at').orderBy('o.seq').limit(1);
    // PostgreSQL: another worker's candidate row is skipped rather than waited for. SQLite takes
    // the write lock at BEGIN (BEGIN IMMEDIATE), so claims are serialised there.
    if (dialect === 'postgres') query = query.forUpdate('o').skipLocked();
    const row = await query.executeTakeFirst();
    if (!row) return null;
    const claimed = await trx
      .updateTable('publish_outbox')
      .set({
        state: 'in_progress',
        lease_owner: workerId,
        lease_until: iso(now + leaseMs),
        attempts: Number(row.attempts) + 1,
        updated_at: nowIso,
      })
      .where('id', '=', row.id)
      .where('state', '=', row.state)
      .where('attempts', '=', row.attempts)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return null;
    return { ...row, state: 'in_progress', lease_owner: workerId, lease_until: iso(now + leaseMs), attempts: Number(row.attempts) + 1 };
  });
}

// ---------------------------------------------------------------------------------------------
// Processing one row

type Finish = {
  state: 'posted' | 'skipped' | 'pending' | 'failed';
  resolution?: string | null;
  outcome: Exclude<PublishOutcome, 'lease_lost'>;
  message?: string | null;
  httpStatus?: number | null;
  codeRetour?: number | null;
  nextAttemptAt?: string;
  /** The Chorus status now known for the invoice (posted, or read back from the history). */
  chorusStatus?: string | null;
};

function historyIds(history: ConsulterHistoriqueResponse): number[] {
  return (history.historiquesDesStatuts?.histoStatut ?? []).map((entry) => Number(entry.histoStatutId));
}

/** Whether the history shows `status` reached since the baseline (or as the current status). */
export function statusReached(history: ConsulterHistoriqueResponse, status: string, baseline: readonly number[] | null): boolean {
  if (history.statutCourantCode === status) return true;
  if (baseline === null) return false;
  const known = new Set(baseline);
  return (history.historiquesDesStatuts?.histoStatut ?? []).some(
    (entry) => entry.histoStatutCode === status && !known.has(Number(entry.histoStatutId)),
  );
}

// Chorus has not made the invoice available yet (still being routed, or redeposited after a
// recycling): a refused transition from these statuses is worth retrying later.
const NOT_YET_AVAILABLE = ['DEPOSEE', 'EN_COURS_ACHEMINEMENT'];

function describe(error: unknown): { message: string; httpStatus: number | null; codeRetour: number | null; kind: string } {
  if (error instanceof ChorusError) {
    return { message: error.message, httpStatus: error.httpStatus, codeRetour: error.codeRetour, kind: error.kind };
  }
  return { message: (error as Error)?.message ?? String(error), httpStatus: null, codeRetour: null, kind: 'internal' };
}

function backoffMs(settings: Settings, attempt: number): number {
  const exponential = settings.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(Math.min(settings.maxDelayMs, exponential) * (0.5 + Math.random()));
}

async function processRow(context: AppContext, settings: Settings, row: PublishOutboxTable): Promise<PublishOutcome> {
  const db = context.store.db;
  const status = row.status as ChorusStatus;
  const attempt = Number(row.attempts);
  const startedAt = new Date().toISOString();
  const retryOrFail = (error: unknown): Finish => {
    const { message, httpStatus, codeRetour, kind } = describe(error);
    // No Chorus connection configured for the authority: only a person can fix it.
    if ((error as Error)?.name === 'TenantError') return { state: 'failed', outcome: 'failed', message };
    if (attempt >= settings.maxAttempts) {
      return {
        state: 'failed',
        outcome: 'failed',
        message: `${message} (abandon après ${attempt} tentatives)`,
        httpStatus,
        codeRetour,
      };
    }
    const hint = kind === 'piste-auth' || kind === 'account' ? ' — vérifiez la connexion Chorus Pro de la collectivité' : '';
    return {
      state: 'pending',
      outcome: 'retry',
      message: `${message}${hint}`,
      httpStatus,
      codeRetour,
      nextAttemptAt: iso(Date.now() + backoffMs(settings, attempt)),
    };
  };

  let finish: Finish;
  try {
    if (!isChorusStatus(status)) {
      finish = { state: 'failed', outcome: 'failed', message: `Statut inconnu dans la file de publication : ${row.status}.` };
    } else if (HELIOS_STATUSES.includes(status) && (await heliosKeepsAccounts(db, row.tenant_id))) {
      finish = { state: 'skipped', resolution: 'helios', outcome: 'skipped', message: 'Statut transmis par Hélios pour cette collectivité.' };
    } else {
      finish = await attemptPost(context, settings, row, status, retryOrFail);
    }
  } catch (error) {
    finish = retryOrFail(error);
  }
  return finishRow(context, settings, row, attempt, startedAt, finish);
}

async function attemptPost(
  context: AppContext,
  settings: Settings,
  row: PublishOutboxTable,
  status: ChorusStatus,
  retryOrFail: (error: unknown) => Finish,
): Promise<Finish> {
  const db = context.store.db;
  const client = await settings.clientForTenant(row.tenant_id);
  const idFacture = Number(row.chorus_id);
  let baseline: number[] | null = row.history_baseline ? (JSON.parse(row.history_baseline) as number[]) : null;

  const history = await client.consulterHistoriqueFacture(idFacture);
  if (statusReached(history, status, baseline)) {
    return { state: 'posted', resolution: 'already_reached', outcome: 'already_reached', message: null, chorusStatus: status };
  }
  if (baseline === null) {
    // Recorded before the first post, under our lease: from now on any entry with our status that
    // is not in this list was produced by one of our posts.
    baseline = historyIds(history);
    const stored = await db
      .updateTable('publish_outbox')
      .set({ history_baseline: JSON.stringify(baseline), lease_until: iso(Date.now() + settings.leaseMs), updated_at: new Date().toISOString() })
      .where('id', '=', row.id)
      .where('lease_owner', '=', settings.workerId)
      .where('state', '=', 'in_progress')
      .executeTakeFirst();
    if (Number(stored.numUpdatedRows) !== 1) throw new LeaseLost();
  }

  try {
    await client.traiterFactureRecue({
      idFacture,
      nouveauStatut: status as RecipientTargetStatus,
      ...(row.motif ? { motif: row.motif } : {}),
      ...(row.numero_dp_mandat ? { numeroDPMandat: row.numero_dp_mandat } : {}),
    });
    return { state: 'posted', resolution: 'posted', outcome: 'posted', message: null, chorusStatus: status };
  } catch (error) {
    if (!(error instanceof ChorusError) || error.kind !== 'functional') return retryOrFail(error);
    // Chorus answered and refused. Re-read the history to resynchronise before deciding.
    let current: ConsulterHistoriqueResponse;
    try {
      current = await client.consulterHistoriqueFacture(idFacture);
    } catch (readError) {
      return retryOrFail(readError);
    }
    // 20002: the invoice moved on in Chorus; its stored history (timeline, cycles, deadline) follows.
    if (error.codeRetour === CODE_TRANSITION_INTERDITE) await refreshInvoiceHistory(context, row.tenant_id, idFacture, { client, history: current }).catch(() => undefined);
    if (statusReached(current, status, baseline)) {
      return { state: 'posted', resolution: 'already_reached', outcome: 'already_reached', message: null, chorusStatus: status };
    }
    if (error.codeRetour === CODE_TRANSITION_INTERDITE && NOT_YET_AVAILABLE.includes(current.statutCourantCode)) {
      return { ...retryOrFail(error), chorusStatus: current.statutCourantCode };
    }
    const message =
      error.codeRetour === CODE_TRANSITION_INTERDITE
        ? `Chorus Pro refuse le passage de ${current.statutCourantCode} à ${status} (20002) : la facture a évolué sur Chorus Pro ; vérifiez-la puis relancez ou abandonnez la publication.`
        : `Chorus Pro a refusé la publication : ${error.message}`;
    return {
      state: 'failed',
      resolution: null,
      outcome: 'failed',
      message,
      httpStatus: error.httpStatus,
      codeRetour: error.codeRetour,
      chorusStatus: current.statutCourantCode,
    };
  }
}

class LeaseLost extends Error {
  constructor() {
    super('lease lost');
    this.name = 'LeaseLost';
  }
}

async function finishRow(
  context: AppContext,
  settings: Settings,
  row: PublishOutboxTable,
  attempt: number,
  startedAt: string,
  finish: Finish,
): Promise<PublishOutcome> {
  const now = new Date().toISOString();
  const done = finish.state === 'posted' || finish.state === 'skipped';
  const outcome = await context.store.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('publish_outbox')
      .set({
        state: finish.state,
        resolution: done ? (finish.resolution ?? null) : null,
        last_error: done ? null : (finish.message ?? null),
        next_attempt_at: finish.nextAttemptAt ?? now,
        lease_owner: null,
        lease_until: null,
        updated_at: now,
        done_at: done ? now : null,
      })
      .where('id', '=', row.id)
      .where('lease_owner', '=', settings.workerId)
      .where('state', '=', 'in_progress')
      .executeTakeFirst();
    // Our lease expired and another worker took the row: it reads the history before posting,
    // so whatever we did is recognised; we record nothing.
    if (Number(updated.numUpdatedRows) !== 1) return 'lease_lost' as const;
    await trx
      .insertInto('publish_attempts')
      .values({
        id: newId(),
        outbox_id: row.id,
        tenant_id: row.tenant_id,
        invoice_id: row.invoice_id,
        attempt,
        worker: settings.workerId,
        started_at: startedAt,
        finished_at: now,
        outcome: finish.outcome,
        http_status: finish.httpStatus ?? null,
        code_retour: finish.codeRetour ?? null,
        message: finish.message ?? null,
      })
      .execute();
    let resynchronised: { from: string; to: string } | null = null;
    if (finish.chorusStatus) {
      // What Chorus now says, as the sync would record it; a status Chorus reached elsewhere (the
      // portal, Hélios) moves the invoice on. chorus_status_at keeps our UTC instant, never equal
      // to a Chorus timestamp, so the next sync still downloads the history.
      const invoice = await trx.selectFrom('invoices').select('status').where('id', '=', row.invoice_id).executeTakeFirst();
      const status = invoice ? statusAfterChorus(invoice.status, finish.chorusStatus) : null;
      if (invoice && status !== invoice.status) resynchronised = { from: invoice.status, to: status! };
      await trx
        .updateTable('invoices')
        .set({ chorus_status: finish.chorusStatus, chorus_status_at: now, ...(resynchronised ? { status: resynchronised.to, updated_at: now } : {}) })
        .where('id', '=', row.invoice_id)
        .execute();
    }
    await appendAudit(trx, {
      tenantId: row.tenant_id,
      actor: 'system:publish',
      action: `publish.${finish.outcome}`,
      entity: 'invoice',
      entityId: row.invoice_id,
      data: {
        outboxId: row.id,
        status: row.status,
        attempt,
        worker: settings.workerId,
        ...(finish.message ? { message: finish.message } : {}),
        ...(finish.codeRetour ? { codeRetour: finish.codeRetour } : {}),
        ...(finish.httpStatus ? { httpStatus: finish.httpStatus } : {}),
        ...(resynchronised ? { from: resynchronised.from, to: resynchronised.to, chorusStatus: finish.chorusStatus } : {}),
      },
      at: now,
    });
    return finish.outcome;
  });
  settings.onEvent?.({ outboxId: row.id, invoiceId: row.invoice_id, status: row.status, attempt, outcome, message: finish.message ?? null });
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Loops

function emptySummary(): PublishSummary {
  return { posted: 0, alreadyReached: 0, skipped: 0, retried: 0, failed: 0, leaseLost: 0 };
}

function count(summary: PublishSummary, outcome: PublishOutcome): void {
  if (outcome === 'posted') summary.posted += 1;
  else if (outcome === 'already_reached') summary.alreadyReached += 1;
  else if (outcome === 'skipped') summary.skipped += 1;
  else if (outcome === 'retry') summary.retried += 1;
  else if (outcome === 'failed') summary.failed += 1;
  else summary.leaseLost += 1;
}

/** Processes every row due now (with `concurrency` lanes), then returns. */
export async function publishDue(context: AppContext, options: PublisherOptions = {}): Promise<PublishSummary> {
  const settings = settingsOf(context, options);
  return drain(context, settings);
}

async function drain(context: AppContext, settings: Settings): Promise<PublishSummary> {
  const summary = emptySummary();
  const busy = new Set<string>();
  const lane = async () => {
    while (!settings.signal?.aborted) {
      const row = await claimNext(context.store.db, context.store.dialect, settings.workerId, settings.leaseMs, {
        tenantId: settings.tenantId,
        excludeInvoices: busy,
      });
      if (!row) return;
      busy.add(row.invoice_id);
      try {
        count(summary, await processRow(context, settings, row));
      } catch (error) {
        if (!(error instanceof LeaseLost)) throw error;
        count(summary, 'lease_lost');
      } finally {
        busy.delete(row.invoice_id);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, lane));
  return summary;
}

export type OpenState = { open: number; nextDueAt: string | null };

/** Rows still to publish (pending or being published) and when the next one is due. */
export async function openPublications(db: Kysely<Database>, tenantId?: string): Promise<OpenState> {
  let query = db
    .selectFrom('publish_outbox')
    .select((eb) => [
      eb.fn.countAll<number>().as('open'),
      eb.fn.min('next_attempt_at').as('next_due'),
      eb.fn.min('lease_until').as('next_lease'),
    ])
    .where('state', 'in', ['pending', 'in_progress']);
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  const row = await query.executeTakeFirst();
  const candidates = [row?.next_due, row?.next_lease].filter((value): value is string => typeof value === 'string');
  return { open: Number(row?.open ?? 0), nextDueAt: candidates.sort()[0] ?? null };
}

/**
 * Runs the worker. With `untilIdle`, returns once no row is pending or being published (failed
 * rows wait for a person and do not keep it running); otherwise runs until `signal` aborts.
 */
export async function runPublisher(context: AppContext, options: PublisherOptions & { untilIdle?: boolean } = {}): Promise<PublishSummary> {
  const settings = settingsOf(context, options);
  const total = emptySummary();
  while (!settings.signal?.aborted) {
    const summary = await drain(context, settings);
    for (const key of Object.keys(total) as (keyof PublishSummary)[]) total[key] += summary[key];
    const state = await openPublications(context.store.db, settings.tenantId);
    if (options.untilIdle && state.open === 0) break;
    const wait = state.nextDueAt ? Math.max(10, Date.parse(state.nextDueAt) - Date.now()) : settings.pollMs;
    await sleep(Math.min(wait, settings.pollMs), settings.signal);
  }
  return total;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
