// The PostgreSQL job provider: pg-boss 10 (the last major that runs on Node 20), in its own schema
// `pgboss` of the application database. Queues use the "stately" policy: with a singleton key, at
// most one queued and one running job per key; jobs without a key get a unique one. A worker killed
// mid-job leaves it active until its expiry, after which pg-boss retries it.
import PgBoss from 'pg-boss';
import { newId } from '../../domain/ids.ts';
import type { EnqueueOptions, JobHandler, JobInfo, JobQueue, JobQueueOptions } from './index.ts';

const EXPIRE_SECONDS = 3600;
const SCHEDULE_TICK_MS = 20_000;

export class PgBossJobQueue implements JobQueue {
  readonly provider = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly handlers = new Map<string, JobHandler<any>>();
  private readonly schedules = new Map<string, number>();
  private readonly createdQueues = new Set<string>();
  private started: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;

  constructor(
    databaseUrl: string,
    private readonly options: JobQueueOptions = {},
  ) {
    this.boss = new PgBoss({ connectionString: databaseUrl, max: 4, schema: 'pgboss' });
    this.boss.on('error', (error: Error) => this.options.onError?.(error, null));
  }

  private boot(): Promise<void> {
    this.started ??= this.boss.start().then(() => undefined);
    return this.started;
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.createdQueues.has(name)) return;
    await this.boot();
    try {
      await this.boss.createQueue(name, { name, policy: 'stately', expireInSeconds: EXPIRE_SECONDS, retryDelay: 5, retryBackoff: true });
    } catch (error) {
      // Two instances creating the same queue at once: the loser finds it there.
      const queue = await this.boss.getQueue(name);
      if (!queue) throw error;
    }
    this.createdQueues.add(name);
  }

  register<P>(name: string, handler: JobHandler<P>): void {
    this.handlers.set(name, handler as JobHandler<any>);
  }

  async enqueue<P>(name: string, payload: P, options: EnqueueOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    return this.boss.send(name, (payload ?? {}) as object, {
      singletonKey: options.singletonKey ?? newId(),
      retryLimit: options.retryLimit ?? 3,
      ...(options.runAt !== undefined ? { startAfter: new Date(options.runAt) } : {}),
    });
  }

  async schedule(name: string, everyMinutes: number): Promise<void> {
    if (!Number.isInteger(everyMinutes) || everyMinutes < 1) throw new RangeError(`schedule ${name}: everyMinutes must be an integer ≥ 1`);
    await this.ensureQueue(name);
    this.schedules.set(name, everyMinutes);
  }

  /** Every instance sends; pg-boss keeps one job per time slot (singletonSeconds), so one runs. */
  async tickSchedules(): Promise<void> {
    for (const [name, everyMinutes] of this.schedules) {
      await this.boss.send(name, {}, { singletonKey: 'schedule', singletonSeconds: everyMinutes * 60, retryLimit: 0 });
    }
  }

  async start(): Promise<void> {
    await this.boot();
    for (const [name, handler] of this.handlers) {
      await this.ensureQueue(name);
      await this.boss.work<unknown>(
        name,
        { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, (this.options.pollIntervalMs ?? 2000) / 1000), includeMetadata: true },
        async (jobs) => {
          for (const job of jobs) {
            const info: JobInfo = { id: job.id, name: job.name, attempt: job.retryCount + 1 };
            try {
              await handler(job.data, info);
            } catch (error) {
              this.options.onError?.(error as Error, info);
              throw error;
            }
          }
        },
      );
    }
    if (this.schedules.size > 0) {
      await this.tickSchedules().catch((error: Error) => this.options.onError?.(error, null));
      this.ticker = setInterval(() => {
        void this.tickSchedules().catch((error: Error) => this.options.onError?.(error, null));
      }, SCHEDULE_TICK_MS);
    }
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (this.started) await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
    this.started = null;
  }
}
