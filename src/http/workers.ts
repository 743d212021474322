// The scheduled work a server runs beside the API. The jobs themselves (sync, publishing, alerts)
// belong to their use cases and the jobs queue (src/app/jobs/); here they are only started and stopped.
import type { AppContext } from '../app/context.ts';
import { purgeExpired } from '../app/users/sessions.ts';

export type Workers = { stop(): Promise<void> };

export async function startWorkers(context: AppContext, log: (line: string) => void): Promise<Workers> {
  const timers: NodeJS.Timeout[] = [];
  const housekeeping = setInterval(() => {
    purgeExpired(context.store.db).catch((error: Error) => log(`Nettoyage des sessions en échec : ${error.message}`));
  }, 3600_000);
  housekeeping.unref();
  timers.push(housekeeping);
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
