// The scheduled work a server runs beside the API: every job of src/app/jobs/registry.ts (Chorus
// sync, status publishing, …) on the jobs queue shared by all instances, plus session housekeeping.
import type { AppContext } from '../app/context.ts';
import { createJobQueue, type JobQueue } from '../app/jobs/index.ts';
import { registerJobs } from '../app/jobs/registry.ts';
import { purgeExpired } from '../app/users/sessions.ts';

export type Workers = { queue: JobQueue; jobs: string[]; stop(): Promise<void> };

export async function startWorkers(context: AppContext, log: (line: string) => void, options: { pollIntervalMs?: number } = {}): Promise<Workers> {
  const queue = await createJobQueue(context.store, context.config.databaseUrl, {
    concurrency: 2,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    onError: (error, job) => log(`tâche ${job ? `${job.name} (essai ${job.attempt})` : ''} en erreur : ${error.message}`),
  });
  const jobs = await registerJobs(queue, context, log);
  await queue.start();
  const housekeeping = setInterval(() => {
    purgeExpired(context.store.db).catch((error: Error) => log(`nettoyage des sessions en échec : ${error.message}`));
  }, 3600_000);
  housekeeping.unref();
  return {
    queue,
    jobs,
    async stop() {
      clearInterval(housekeeping);
      await queue.stop();
    },
  };
}
