import { openContext } from '../../app/context.ts';
import {
  addAlertRecipient,
  addWebhookEndpoint,
  buildDigests,
  createMailTransport,
  deliverDueWebhooks,
  enqueueInvoiceEvents,
  listAlertRecipients,
  listWebhookEndpoints,
  loadMailSettings,
  removeAlertRecipient,
  retryFailedWebhooks,
  sendDailyDigests,
  setWebhookActive,
} from '../../app/alerts/index.ts';
import { loadDeadlineSettings } from '../../app/deadlines/settings.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { todayInParis } from '../../domain/dgp.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse alerts digest [--send] [--tenant T] [--today YYYY-MM-DD] [--json]
  liasse alerts recipients [list] [--tenant T] [--json]
  liasse alerts recipients add EMAIL [--service CODE] [--tenant T]
  liasse alerts recipients remove ID
  liasse alerts webhooks [list] [--tenant T] [--json]
  liasse alerts webhooks add URL [--events invoice.*,…] [--tenant T]
  liasse alerts webhooks disable|enable ID
  liasse alerts webhooks run          (queue new invoice events and deliver what is due)
  liasse alerts webhooks retry [ID]   (requeue failed deliveries)

digest shows the day's e-mails (invoices late or at risk, one per service); --send sends them over
SMTP_URL from LIASSE_MAIL_FROM (once per service and day). Webhooks are POSTed as JSON, signed in
X-Liasse-Signature: sha256=HMAC(secret, "<X-Liasse-Timestamp>.<body>"), retried with back-off.
`;

const OPTIONS = {
  ...STORE_OPTIONS,
  json: { type: 'boolean' },
  send: { type: 'boolean' },
  tenant: { type: 'string' },
  today: { type: 'string' },
  service: { type: 'string' },
  events: { type: 'string' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub, action, arg] = positionals;
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  const tenant = async () => (values.tenant ? resolveTenantId(db, values.tenant) : undefined);
  try {
    switch (sub) {
      case 'digest': {
        const mail = loadMailSettings();
        const settings = loadDeadlineSettings();
        const today = values.today ?? todayInParis();
        const tenantId = await tenant();
        if (!values.send) {
          const digests = await buildDigests(db, { today, settings, publicUrl: mail.publicUrl, ...(tenantId ? { tenantId } : {}) });
          if (values.json) printJson(digests.map(({ html: _html, ...digest }) => digest));
          else if (digests.length === 0) process.stdout.write('Aucune facture en retard ou à risque : pas de digest.\n');
          else for (const digest of digests) process.stdout.write(`À : ${digest.recipients.join(', ') || '(aucun destinataire)'}\nObjet : ${digest.subject}\n\n${digest.text}\n\n`);
          return 0;
        }
        if (!mail.smtpUrl) throw new UsageError('SMTP_URL is not set (e.g. smtp://user:password@smtp.example.fr:587)');
        const outcomes = await sendDailyDigests(db, createMailTransport(mail.smtpUrl), { from: mail.from, today, settings, publicUrl: mail.publicUrl, actor: 'cli', ...(tenantId ? { tenantId } : {}) });
        if (values.json) printJson(outcomes);
        else for (const outcome of outcomes) process.stdout.write(`${outcome.serviceCode}: ${outcome.outcome} (${outcome.invoices} facture(s))${outcome.error ? ` – ${outcome.error}` : ''}\n`);
        return outcomes.some((outcome) => outcome.outcome === 'failed') ? 1 : 0;
      }
      case 'recipients': {
        if (action === 'add') {
          if (!arg) throw new UsageError('missing EMAIL');
          const tenantId = await resolveTenantId(db, values.tenant);
          const id = await addAlertRecipient(db, { tenantId, serviceCode: values.service ?? null, email: arg }, CLI_ACTOR);
          process.stdout.write(`Destinataire ${arg} ajouté (${values.service ?? 'tous les services'}) : ${id}\n`);
          return 0;
        }
        if (action === 'remove') {
          if (!arg) throw new UsageError('missing ID');
          await removeAlertRecipient(db, arg, CLI_ACTOR);
          process.stdout.write('Destinataire retiré.\n');
          return 0;
        }
        const rows = await listAlertRecipients(db, await tenant());
        if (values.json) printJson(rows);
        else for (const row of rows) process.stdout.write(`${row.id}  ${row.email}  ${row.service_code ?? '(tous les services)'}\n`);
        return 0;
      }
      case 'webhooks': {
        switch (action ?? 'list') {
          case 'add': {
            if (!arg) throw new UsageError('missing URL');
            const tenantId = await resolveTenantId(db, values.tenant);
            const events = values.events ? values.events.split(',').map((event) => event.trim()).filter(Boolean) : null;
            const { id, secret } = await addWebhookEndpoint(db, { tenantId, url: arg, events }, CLI_ACTOR);
            if (values.json) printJson({ id, secret });
            else process.stdout.write(`Webhook ${id} ajouté. Secret de signature (affiché une seule fois) : ${secret}\n`);
            return 0;
          }
          case 'enable':
          case 'disable':
            if (!arg) throw new UsageError('missing ID');
            await setWebhookActive(db, arg, action === 'enable', CLI_ACTOR);
            process.stdout.write(`Webhook ${arg} ${action === 'enable' ? 'activé' : 'désactivé'}.\n`);
            return 0;
          case 'run': {
            const queued = await enqueueInvoiceEvents(db);
            const outcomes = await deliverDueWebhooks(db);
            if (values.json) printJson({ queued, outcomes });
            else process.stdout.write(`${queued} événement(s) mis en file ; ${outcomes.filter((o) => o.status === 'delivered').length} livré(s), ${outcomes.filter((o) => o.status === 'retry').length} à réessayer, ${outcomes.filter((o) => o.status === 'failed').length} en échec.\n`);
            return 0;
          }
          case 'retry': {
            const count = await retryFailedWebhooks(db, arg);
            process.stdout.write(`${count} livraison(s) remise(s) en file.\n`);
            return 0;
          }
          case 'list': {
            const rows = await listWebhookEndpoints(db, await tenant());
            if (values.json) printJson(rows);
            else for (const row of rows) process.stdout.write(`${row.id}  ${row.active ? 'actif  ' : 'inactif'}  ${row.url}  ${row.events_json ?? '(tous les événements)'}\n`);
            return 0;
          }
          default:
            throw new UsageError(HELP.trim());
        }
      }
      default:
        throw new UsageError(HELP.trim());
    }
  } finally {
    await context.close();
  }
}
