import { openContext } from '../../app/context.ts';
import { createJobQueue } from '../../app/jobs/index.ts';
import { registerJobs } from '../../app/jobs/registry.ts';
import { parseCommand, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse worker [--concurrency N] [--data-dir DIR] [--database-url URL]

Exécute les tâches de fond : la synchronisation Chorus Pro toutes les LIASSE_SYNC_INTERVAL_MINUTES
minutes (15 par défaut) et toutes les tâches enregistrées dans src/app/jobs/registry.ts. Plusieurs
workers peuvent tourner ensemble (même machine ou non) : une tâche n'est exécutée que par un seul.
File de tâches : table jobs (SQLite), pg-boss (PostgreSQL). Arrêt propre sur SIGINT / SIGTERM.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, concurrency: { type: 'string' } }, HELP);
  if (!parsed) return 0;
  const concurrency = Number(parsed.values.concurrency ?? '2');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency attend un entier ≥ 1');
  const context = await openContext(storeOverrides(parsed.values));
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const queue = await createJobQueue(context.store, context.config.databaseUrl, {
    concurrency,
    onError: (error, job) => log(`tâche ${job ? `${job.name} (${job.id}, essai ${job.attempt})` : ''} en erreur : ${error.message}`),
  });
  const names = await registerJobs(queue, context, log);
  await queue.start();
  log(`worker démarré (${queue.provider}, ${context.store.dialect}) : ${names.join(', ')} ; synchronisation toutes les ${context.config.syncIntervalMinutes} min`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('arrêt du worker : fin des tâches en cours…');
  await queue.stop();
  await context.close();
  return 0;
}
