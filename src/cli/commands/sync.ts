import { openContext } from '../../app/context.ts';
import { createProgressReporter } from '../../app/sync/progress.ts';
import { retryQuarantined, syncTenant, type SyncResult } from '../../app/sync/sync.ts';
import { ensureTenantFromEnvironment, listTenants, resolveTenantId } from '../../app/tenants.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse sync [--tenant T | --all] [--once | --watch [--every MIN]] [--since YYYY-MM-DD]
                   [--history-only] [--retry-quarantined] [--json] [--data-dir DIR] [--database-url URL]

Synchronise les factures reçues dans Chorus Pro : chaque structure est interrogée sur la fenêtre
des changements d'état depuis la dernière synchronisation (avec un recouvrement), toutes les pages,
puis les factures nouvelles ou modifiées sont téléchargées, lues et enregistrées avec leurs pièces
jointes et leur historique Chorus. Une exécution interrompue reprend là où elle s'était arrêtée.

  --tenant T            collectivité (identifiant, SIREN ou nom exact) ; obligatoire s'il y en a plusieurs
  --all                 toutes les collectivités ayant une connexion Chorus Pro
  --once                une seule passe puis fin : c'est le comportement par défaut, l'option
                        l'écrit explicitement (scripts, cron)
  --watch               reste actif : une passe, puis une autre toutes les --every minutes (par
                        défaut LIASSE_SYNC_INTERVAL_MINUTES, 15), jusqu'à Ctrl-C / SIGTERM ; une
                        passe en échec est signalée et la suivante a lieu quand même
  --every MIN           intervalle de --watch en minutes (entier ≥ 1)
  --since DATE          début de la fenêtre (AAAA-MM-JJ) au lieu de la dernière synchronisation
  --history-only        les nouvelles factures sont prises comme historique (premier passage sur une
                        collectivité qui les a déjà traitées ailleurs : la corbeille n'est pas inondée)
  --retry-quarantined   relit les factures en quarantaine (après une correction des lecteurs)
  --batch-size N        factures par téléchargement et par transaction (50 par défaut)
  --json                une ligne de résumé JSON à la fin :
                        {"seen":…,"new":…,"updated":…,"unchanged":…,"quarantined":…,"failed":…}

With CHORUS_* set and no collectivité yet, the first sync creates it from these variables.
Exit code (one pass): 0 done, 3 some invoices failed (retried next run), 1 error (nothing
half-written). With --watch: 0 once stopped by a signal. With --json, one summary line per pass.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      tenant: { type: 'string' },
      all: { type: 'boolean' },
      once: { type: 'boolean' },
      watch: { type: 'boolean' },
      every: { type: 'string' },
      since: { type: 'string' },
      'history-only': { type: 'boolean' },
      'retry-quarantined': { type: 'boolean' },
      json: { type: 'boolean' },
      'batch-size': { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if (values.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.since)) throw new UsageError(`--since attend une date AAAA-MM-JJ, reçu « ${values.since} »`);
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000)) throw new UsageError('--batch-size attend un entier entre 1 et 1000');
  if (values.all && values.tenant) throw new UsageError('--all et --tenant sont exclusifs');
  if (values.once && values.watch) throw new UsageError('--once et --watch sont exclusifs');
  if (values.every !== undefined && !values.watch) throw new UsageError('--every ne s\'emploie qu\'avec --watch');
  const every = values.every === undefined ? undefined : Number(values.every);
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new UsageError('--every attend un nombre entier de minutes ≥ 1');
  const context = await openContext(storeOverrides(values));
  const reporter = createProgressReporter(process.stderr);
  const pass = async (): Promise<number> => {
    await ensureTenantFromEnvironment(context);
    const tenantIds = values.all
      ? (await listTenants(context.store.db)).filter((tenant) => tenant.hasChorusConnection).map((tenant) => tenant.id)
      : [await resolveTenantId(context.store.db, values.tenant)];
    const total = { seen: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, failed: 0 };
    for (const tenantId of tenantIds) {
      const options = {
        ...(values.since ? { since: values.since } : {}),
        historyOnly: values['history-only'] ?? false,
        ...(batchSize ? { batchMaxInvoices: batchSize } : {}),
        onProgress: reporter.update,
        log: reporter.log,
      };
      let result: SyncResult;
      try {
        result = values['retry-quarantined'] ? await retryQuarantined(context, tenantId, options) : await syncTenant(context, tenantId, options);
      } finally {
        reporter.done();
      }
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += result[key];
      if (!values.json) {
        process.stdout.write(
          `Synchronisation terminée en ${(result.durationMs / 1000).toFixed(1)} s : ${result.seen} vues, ${result.new} nouvelles, ` +
            `${result.updated} mises à jour, ${result.unchanged} inchangées, ${result.quarantined} en quarantaine, ${result.failed} en échec.\n`,
        );
        for (const error of result.errors.slice(0, 20)) process.stdout.write(`  - ${error}\n`);
      }
    }
    if (values.json) printJson(total);
    return total.failed > 0 ? 3 : 0;
  };
  try {
    if (!values.watch) return await pass();
    const minutes = every ?? context.config.syncIntervalMinutes;
    let stop: (() => void) | null = null;
    let stopped = false;
    const onSignal = () => {
      stopped = true;
      stop?.();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      while (!stopped) {
        try {
          await pass();
        } catch (error) {
          // A failed pass (Chorus unreachable, wrong password…) is said, and the next one runs anyway.
          reporter.log(`Synchronisation en échec : ${(error as Error).message}`);
        }
        if (stopped) break;
        reporter.log(`Prochaine synchronisation dans ${minutes} min (Ctrl-C pour arrêter).`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, minutes * 60_000);
          stop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        stop = null;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  } finally {
    await context.close();
  }
}
