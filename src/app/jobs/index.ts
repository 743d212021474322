// Background jobs behind one interface, two providers:
// - SQLite (and any store, on request): a `jobs` table in the application database. A job is
//   claimed by one guarded UPDATE (…WHERE status = 'queued'…), so two processes never run the same
//   job; a running job holds a lease (`locked_until`) renewed by a heartbeat, and a job whose
//   worker died (kill -9) is claimed again once its lease expired.
// - PostgreSQL: pg-boss 10, which does the same with SKIP LOCKED and its own expiry.
// Singleton keys follow pg-boss's "stately" policy on both: at most one queued and one running job
// per (name, key), so racing instances that enqueue the same work dedupe. Recurring jobs
// (`schedule`) are enqueued by whichever instance wins a compare-and-set on the schedule slot
// (SQLite) or by pg-boss's per-slot singleton (singletonSeconds): no in-process state decides.
import os from 'node:os';
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import type { Dialect } from '../../store/db.ts';
import type { Database } from '../../store/schema.ts';

export type JobInfo = { id: string; name: string; attempt: number };
export type JobHandler<P = unknown> = (payload: P, job: JobInfo) => Promise<void>;

export type EnqueueOptions = {
  /** At most one queued and one running job per (name, singletonKey); a duplicate enqueue returns null. */
  singletonKey?: string;
  /** Not before this instant. */
  runAt?: Date | string;
  /** Retries after the first attempt (default 3). */
  retryLimit?: number;
};

export interface JobQueue {
  readonly provider: 'table' | 'pg-boss';
  register<P>(name: string, handler: JobHandler<P>): void;
  /** The job id, or null when a live job with the same singleton key exists. */
  enqueue<P>(name: string, payload: P, options?: EnqueueOptions): Promise<string | null>;
  /** Runs `name` every `everyMinutes` (payload {}), across all instances together. */
  schedule(name: string, everyMinutes: number): Promise<void>;
  /** Starts working the registered handlers (and ticking the schedules). */
  start(): Promise<void>;
  /** Stops taking jobs and waits for the running ones. */
  stop(): Promise<void>;
}

export type JobQueueOptions = {
  /** 'table' forces the jobs-table provider even on PostgreSQL (tests, small installations). */
  provider?: 'table' | 'pg-boss';
  /** How often an idle worker looks for work (default 1000 ms). */
  pollIntervalMs?: number;
  /** Lease of a running job, renewed every third of it (default 5 minutes). */
  leaseMs?: number;
  /** Jobs run at once by this instance (default 1). */
  concurrency?: number;
  /** First retry delay, doubled each attempt (default 5 s). */
  retryDelayMs?: number;
  onError?: (error: Error, job: JobInfo | null) => void;
};

export async function createJobQueue(
  store: { db: Kysely<Database>; dialect: Dialect },
  databaseUrl: string | undefined,
  options: JobQueueOptions = {},
): Promise<JobQueue> {
  const provider = options.provider ?? (store.dialect === 'postgres' && databaseUrl ? 'pg-boss' : 'table');
  if (provider === 'pg-boss') {
    if (!databaseUrl) throw new Error('The pg-boss job provider needs DATABASE_URL.');
    const { PgBossJobQueue } = await import('./pg-boss.ts');
    return new PgBossJobQueue(databaseUrl, options);
  }
  return new TableJobQueue(store.db, options);
}

/** Delay before retry n (1-based): base · 2^(n−1), capped at one hour. */
export function retryDelay(attempt: number, baseMs: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempt - 1));
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT';
}

function toIso(value: Date | string | undefined, fallback: Date): string {
  if (value === undefined) return fallback.toISOString();
  return typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
}

export class TableJobQueue implements JobQueue {
  readonly provider = 'table' as const;
  private readonly handlers = new Map<string, JobHandler<any>>();
  private readonly schedules = new Map<string, number>();
  private readonly workerId = `${os.hostname()}:${process.pid}:${newId()}`;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly retryDelayMs: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: JobQueueOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.concurrency = options.concurrency ?? 1;
    this.retryDelayMs = options.retryDelayMs ?? 5000;
  }

  register<P>(name: string, handler: JobHandler<P>): void {
    this.handlers.set(name, handler as JobHandler<any>);
  }

  async enqueue<P>(name: string, payload: P, options: EnqueueOptions = {}): Promise<string | null> {
    const now = new Date();
    const id = newId();
    try {
      await this.db
        .insertInto('jobs')
        .values({
          id,
          name,
          payload_json: JSON.stringify(payload ?? {}),
          status: 'queued',
          singleton_key: options.singletonKey ?? null,
          run_at: toIso(options.runAt, now),
          attempts: 0,
          retry_limit: options.retryLimit ?? 3,
          locked_by: null,
          locked_until: null,
          last_error: null,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          finished_at: null,
        })
        .execute();
    } catch (error) {
      if (options.singletonKey !== undefined && isUniqueViolation(error)) return null;
      throw error;
    }
    this.wake?.();
    return id;
  }

  async schedule(name: string, everyMinutes: number): Promise<void> {
    if (!Number.isInteger(everyMinutes) || everyMinutes < 1) throw new RangeError(`schedule ${name}: everyMinutes must be an integer ≥ 1`);
    const now = new Date().toISOString();
    await this.db
      .insertInto('job_schedules')
      .values({ name, every_minutes: everyMinutes, next_run_at: now, updated_at: now })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ every_minutes: everyMinutes, updated_at: now }))
      .execute();
    this.schedules.set(name, everyMinutes);
  }

  /** Enqueues the due schedules this instance wins (compare-and-set on next_run_at). */
  async tickSchedules(now = new Date()): Promise<void> {
    for (const [name, everyMinutes] of this.schedules) {
      const row = await this.db.selectFrom('job_schedules').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row || row.next_run_at > now.toISOString()) continue;
      const next = new Date(now.getTime() + everyMinutes * 60_000).toISOString();
      const won = await this.db
        .updateTable('job_schedules')
        .set({ next_run_at: next, updated_at: now.toISOString() })
        .where('name', '=', name)
        .where('next_run_at', '=', row.next_run_at)
        .executeTakeFirst();
      if (Number(won.numUpdatedRows) === 1) await this.enqueue(name, {}, { singletonKey: 'schedule', retryLimit: 0 });
    }
  }

  /** Claims one due job (or one whose worker's lease expired); null when there is none. */
  async claim(now = new Date()): Promise<{ id: string; name: string; payload: unknown; attempt: number; retryLimit: number } | null> {
    const names = [...this.handlers.keys()];
    if (names.length === 0) return null;
    const nowIso = now.toISOString();
    const candidate = await this.db
      .selectFrom('jobs as j')
      .select(['j.id'])
      .where('j.name', 'in', names)
      .where((eb) =>
        eb.or([
          eb.and([eb('j.status', '=', 'running'), eb('j.locked_until', '<', nowIso)]),
          eb.and([
            eb('j.status', '=', 'queued'),
            eb('j.run_at', '<=', nowIso),
            eb.or([
              eb('j.singleton_key', 'is', null),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('jobs as r')
                    .select('r.id')
                    .whereRef('r.name', '=', 'j.name')
                    .whereRef('r.singleton_key', '=', 'j.singleton_key')
                    .where('r.status', '=', 'running'),
                ),
              ),
            ]),
          ]),
        ]),
      )
      .orderBy('j.run_at')
      .orderBy('j.id')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return null;
    // The guard repeats the candidate condition: of two workers racing for the row, one updates it
    // and the other's WHERE no longer matches (SQLite serialises writers; PostgreSQL re-checks the
    // WHERE on the locked row).
    const claimed = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        locked_by: this.workerId,
        locked_until: new Date(now.getTime() + this.leaseMs).toISOString(),
        attempts: eb('attempts', '+', 1),
        updated_at: nowIso,
      }))
      .where('id', '=', candidate.id)
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowIso)]),
          eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', nowIso)]),
        ]),
      )
      .returning(['id', 'name', 'payload_json', 'attempts', 'retry_limit'])
      .executeTakeFirst();
    if (!claimed) return null;
    const attempt = Number(claimed.attempts);
    if (attempt > Number(claimed.retry_limit) + 1) {
      await this.finish(claimed.id, 'failed', 'abandonné : le processus qui l’exécutait s’est arrêté trop de fois');
      return null;
    }
    return { id: claimed.id, name: claimed.name, payload: JSON.parse(claimed.payload_json), attempt, retryLimit: Number(claimed.retry_limit) };
  }

  private async finish(id: string, status: 'done' | 'failed', error: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .updateTable('jobs')
      .set({ status, last_error: error, locked_by: null, locked_until: null, finished_at: now, updated_at: now })
      .where('id', '=', id)
      .where('locked_by', '=', this.workerId)
      .execute();
  }

  /** Claims and runs one job; false when there was nothing to do. Exposed for tests and `worker --once`. */
  async runOne(): Promise<boolean> {
    const job = await this.claim();
    if (!job) return false;
    const handler = this.handlers.get(job.name);
    const info: JobInfo = { id: job.id, name: job.name, attempt: job.attempt };
    const heartbeat = setInterval(() => {
      void this.db
        .updateTable('jobs')
        .set({ locked_until: new Date(Date.now() + this.leaseMs).toISOString() })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .execute()
        .catch(() => undefined);
    }, Math.max(1000, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();
    try {
      if (!handler) throw new Error(`no handler registered for job "${job.name}"`);
      await handler(job.payload, info);
      await this.finish(job.id, 'done', null);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.options.onError?.(error as Error, info);
      if (job.attempt <= job.retryLimit) {
        const now = new Date();
        await this.db
          .updateTable('jobs')
          .set({
            status: 'queued',
            run_at: new Date(now.getTime() + retryDelay(job.attempt, this.retryDelayMs)).toISOString(),
            last_error: message,
            locked_by: null,
            locked_until: null,
            updated_at: now.toISOString(),
          })
          .where('id', '=', job.id)
          .where('locked_by', '=', this.workerId)
          .execute();
      } else {
        await this.finish(job.id, 'failed', message);
      }
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const sleep = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, this.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    const loop = async (index: number) => {
      while (this.running) {
        try {
          if (index === 0) await this.tickSchedules();
          if (await this.runOne()) continue;
        } catch (error) {
          this.options.onError?.(error as Error, null);
        }
        if (this.running) await sleep();
      }
    };
    this.loops = Array.from({ length: this.concurrency }, (_, index) => loop(index));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.loops);
    this.loops = [];
  }
}
