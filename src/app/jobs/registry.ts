// Every background job Liasse runs, by name. `liasse worker` (and the server) register them all on
// one JobQueue. To add a job: one entry here whose `handler` imports your module lazily and returns
// the handler; give `everyMinutes` for a recurring job. Names: letters, digits, '-' and '_'
// (pg-boss queue names).
import type { Config } from '../../config.ts';
import type { AppContext } from '../context.ts';
import type { JobHandler, JobQueue } from './index.ts';

export type JobDefinition = {
  /** Builds the handler for this process (context and queue given to fan out more jobs). */
  handler: (context: AppContext, queue: JobQueue, log: (line: string) => void) => Promise<JobHandler<any>>;
  /** Minutes between two runs of a recurring job; absent or null for jobs enqueued on demand. */
  everyMinutes?: (config: Config) => number | null;
};

export const JOBS: Record<string, JobDefinition> = {
  'sync-all': {
    handler: async (context, queue, log) => (await import('../sync/jobs.ts')).syncAllHandler(context, queue, log),
    everyMinutes: (config) => config.syncIntervalMinutes,
  },
  publish: {
    handler: async (context, _queue, log) => (await import('../publish/jobs.ts')).publishHandler(context, log),
    everyMinutes: () => 1,
  },
  'alerts-webhooks': {
    handler: async (context, _queue, log) => (await import('../alerts/jobs.ts')).webhooksHandler(context, log),
    everyMinutes: () => 1,
  },
  'alerts-digest': {
    handler: async (context, _queue, log) => (await import('../alerts/jobs.ts')).digestHandler(context, log),
    everyMinutes: () => 60,
  },
  'bordereau-acquits': {
    handler: async (context, _queue, log) => (await import('../mandate/jobs.ts')).acquitsHandler(context, log),
    everyMinutes: () => 5,
  },
  'sync-tenant': {
    handler: async (context, _queue, log) => (await import('../sync/jobs.ts')).syncTenantHandler(context, log),
  },
};

/** Registers every job of JOBS on `queue` and schedules the recurring ones. */
export async function registerJobs(queue: JobQueue, context: AppContext, log: (line: string) => void = () => undefined): Promise<string[]> {
  const names: string[] = [];
  for (const [name, definition] of Object.entries(JOBS)) {
    queue.register(name, await definition.handler(context, queue, log));
    const every = definition.everyMinutes?.(context.config) ?? null;
    if (every !== null) await queue.schedule(name, every);
    names.push(name);
  }
  return names;
}
