// Background jobs of the alerts (registered in src/app/jobs/registry.ts): webhooks every minute;
// the digest checked hourly and sent once a day per service from LIASSE_DIGEST_HOUR (Paris time,
// default 7) — the per-day record in alert_digests makes the later runs of the day no-ops.
import { todayInParis } from '../../domain/dgp.ts';
import type { AppContext } from '../context.ts';
import { loadDeadlineSettings } from '../deadlines/settings.ts';
import type { JobHandler } from '../jobs/index.ts';
import { createMailTransport, loadMailSettings, sendDailyDigests } from './digest.ts';
import { deliverDueWebhooks, enqueueInvoiceEvents } from './webhooks.ts';

const PARIS_HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', hour12: false });

export function webhooksHandler(context: AppContext, log: (line: string) => void): JobHandler<unknown> {
  return async () => {
    const queued = await enqueueInvoiceEvents(context.store.db);
    const outcomes = await deliverDueWebhooks(context.store.db);
    if (queued || outcomes.length) log(`webhooks: ${queued} queued, ${outcomes.filter((o) => o.status === 'delivered').length}/${outcomes.length} delivered`);
  };
}

export function digestHandler(context: AppContext, log: (line: string) => void): JobHandler<unknown> {
  return async () => {
    const mail = loadMailSettings();
    if (!mail.smtpUrl) return; // no SMTP configured: the dashboard still shows the risks
    const hour = Number(process.env.LIASSE_DIGEST_HOUR?.trim() || '7');
    if (Number(PARIS_HOUR.format(new Date())) < hour) return;
    const outcomes = await sendDailyDigests(context.store.db, createMailTransport(mail.smtpUrl), {
      from: mail.from,
      today: todayInParis(),
      settings: loadDeadlineSettings(),
      publicUrl: mail.publicUrl,
    });
    const sent = outcomes.filter((outcome) => outcome.outcome === 'sent').length;
    const failed = outcomes.filter((outcome) => outcome.outcome === 'failed');
    if (sent || failed.length) log(`digest: ${sent} sent, ${failed.length} failed${failed.length ? ` (${failed.map((f) => f.error).join('; ')})` : ''}`);
  };
}
