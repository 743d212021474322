import { openContext } from '../../app/context.ts';
import { abandonPublication, listPublications, listPublishFailures, retryPublication, setHeliosKeepsAccounts, heliosKeepsAccounts } from '../../app/publish/outbox.ts';
import { openPublications, publishDue, runPublisher, type PublisherOptions } from '../../app/publish/worker.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse publish [--until-idle | --watch] [--tenant T] [--json]
  liasse publish --failures [--tenant T] [--json]      publications that need a person
  liasse publish --retry ID [--json]                   put a failed publication back in the queue
  liasse publish --abandon ID --reason TEXT [--json]   give up a failed publication (unblocks the
                                                       invoice's later statuses; kept in its history)
  liasse publish --list [--tenant T] [--json]          every publication and its state
  liasse publish --helios on|off --tenant T            whether Hélios keeps the authority's accounts

Posts the statuses decided in Liasse (service fait, suspension, rejet, recyclage, mandat) to
Chorus Pro with traiterFactureRecue: in order per invoice, exactly once, retrying with backoff.
Several workers may run at once. By default, publishes what is due now and stops; --until-idle
also waits for scheduled retries until nothing is left to publish (failures excepted); --watch
keeps running. MISE_A_DISPOSITION_COMPTABLE and MISE_EN_PAIEMENT are never posted for an
authority whose accounts Hélios keeps (the default).

Tuning: --concurrency N (4), --lease-ms MS (120000), --base-delay-ms MS (30000),
--max-delay-ms MS (3600000), --max-attempts N (50), --poll-ms MS (5000).
`;

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${name} must be a whole number ≥ 1`);
  return number;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      'until-idle': { type: 'boolean' },
      watch: { type: 'boolean' },
      failures: { type: 'boolean' },
      list: { type: 'boolean' },
      retry: { type: 'string' },
      abandon: { type: 'string' },
      reason: { type: 'string' },
      helios: { type: 'string' },
      tenant: { type: 'string' },
      json: { type: 'boolean' },
      concurrency: { type: 'string' },
      'lease-ms': { type: 'string' },
      'base-delay-ms': { type: 'string' },
      'max-delay-ms': { type: 'string' },
      'max-attempts': { type: 'string' },
      'poll-ms': { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const values = parsed.values;
  const json = values.json === true;
  const context = await openContext(storeOverrides(values));
  try {
    const db = context.store.db;
    let tenantId: string | undefined;
    if (values.tenant || values.helios !== undefined) {
      const { resolveTenantId } = await import('../../app/tenants.ts');
      tenantId = await resolveTenantId(db, values.tenant);
    }

    if (values.helios !== undefined) {
      if (!['on', 'off'].includes(values.helios)) throw new UsageError('--helios takes on or off');
      await setHeliosKeepsAccounts(db, tenantId!, values.helios === 'on', CLI_ACTOR);
      const value = await heliosKeepsAccounts(db, tenantId!);
      if (json) printJson({ tenantId, heliosKeepsAccounts: value });
      else process.stdout.write(value ? 'Hélios tient les comptes : MISE_A_DISPOSITION_COMPTABLE et MISE_EN_PAIEMENT ne sont pas publiés.\n' : 'Hélios ne tient pas les comptes : tous les statuts sont publiés.\n');
      return 0;
    }
    if (values.retry) {
      const publication = await retryPublication(db, values.retry, CLI_ACTOR);
      if (json) printJson(publication);
      else process.stdout.write(`Publication ${publication.id} (${publication.status}) remise en file ; lancez \`liasse publish\`.\n`);
      return 0;
    }
    if (values.abandon) {
      if (!values.reason?.trim()) throw new UsageError('--abandon ID needs --reason TEXT (kept in the invoice history)');
      const publication = await abandonPublication(db, values.abandon, CLI_ACTOR, values.reason);
      if (json) printJson(publication);
      else process.stdout.write(`Publication ${publication.id} (${publication.status}) abandonnée ; les statuts suivants de la facture seront publiés.
`);
      return 0;
    }
    if (values.failures || values.list) {
      const rows = values.failures ? await listPublishFailures(db, tenantId ? { tenantId } : {}) : await listPublications(db, tenantId ? { tenantId } : {});
      if (json) printJson(rows);
      else if (rows.length === 0) process.stdout.write(values.failures ? 'Aucune publication en échec.\n' : 'Aucune publication.\n');
      else {
        for (const row of rows) {
          process.stdout.write(
            `${row.id}  ${row.state.padEnd(11)} ${row.status.padEnd(28)} facture ${row.invoiceNumber ?? row.invoiceId} (idFacture ${row.chorusId})` +
              `  ${row.attempts} tentative(s)\n`,
          );
          if (row.lastError && row.state !== 'posted') process.stdout.write(`    ${row.lastError}\n`);
        }
        if (values.failures) process.stdout.write('Relancez avec `liasse publish --retry ID` une fois la cause corrigée, ou abandonnez avec `liasse publish --abandon ID --reason TEXTE`.\n');
      }
      return rows.length > 0 && values.failures ? 1 : 0;
    }

    const options: PublisherOptions = {
      ...(tenantId ? { tenantId } : {}),
      ...optional('concurrency', positiveInt(values.concurrency, 'concurrency')),
      ...optional('leaseMs', positiveInt(values['lease-ms'], 'lease-ms')),
      ...optional('baseDelayMs', positiveInt(values['base-delay-ms'], 'base-delay-ms')),
      ...optional('maxDelayMs', positiveInt(values['max-delay-ms'], 'max-delay-ms')),
      ...optional('maxAttempts', positiveInt(values['max-attempts'], 'max-attempts')),
      ...optional('pollMs', positiveInt(values['poll-ms'], 'poll-ms')),
      onEvent: json
        ? undefined
        : (event) => {
            if (event.outcome === 'retry' || event.outcome === 'failed') {
              process.stderr.write(`${event.status} (facture ${event.invoiceId}, tentative ${event.attempt}) : ${event.outcome} — ${event.message ?? ''}\n`);
            }
          },
    };
    let summary;
    if (values['until-idle'] || values.watch) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        summary = await runPublisher(context, { ...options, untilIdle: values['until-idle'] === true, signal: controller.signal });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    } else {
      summary = await publishDue(context, options);
    }
    const open = await openPublications(db, tenantId);
    const failures = (await listPublishFailures(db, tenantId ? { tenantId } : {})).length;
    if (json) printJson({ ...summary, open: open.open, nextDueAt: open.nextDueAt, failures });
    else {
      process.stdout.write(
        `Publiés : ${summary.posted}, déjà atteints : ${summary.alreadyReached}, non publiés (Hélios) : ${summary.skipped}, ` +
          `nouveaux essais prévus : ${summary.retried}, en échec : ${summary.failed}. Restant à publier : ${open.open}.\n`,
      );
      if (failures > 0) process.stdout.write(`${failures} publication(s) en échec : \`liasse publish --failures\`.\n`);
    }
    return 0;
  } finally {
    await context.close();
  }
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
