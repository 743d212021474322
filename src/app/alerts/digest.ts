// The daily digest: one e-mail per service listing its invoices late or at risk, sent over SMTP to
// the service's recipients (and to the tenant-wide ones). A digest sent for a (tenant, service,
// day) is recorded and not sent again that day, so the job may run more than once.
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { newId } from '../../domain/ids.ts';
import { Decimal } from '../../domain/money.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { todayInParis } from '../../domain/dgp.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { actorName, type DeadlineRow, listDeadlines } from '../deadlines/index.ts';
import type { DeadlineSettings } from '../deadlines/settings.ts';

export const NO_SERVICE = '(sans service)';

export type Digest = {
  tenantId: string;
  tenantName: string;
  /** Internal service code (services.code), or the Chorus code when not mapped, or NO_SERVICE. */
  serviceCode: string;
  serviceLabel: string;
  recipients: string[];
  rows: DeadlineRow[];
  subject: string;
  text: string;
  html: string;
};

export type MailSettings = {
  /** smtp://user:pass@host:port or smtps://… (SMTP_URL). */
  smtpUrl: string | null;
  /** LIASSE_MAIL_FROM, default "Liasse <liasse@localhost>". */
  from: string;
  /** Public address of the web application, for links (LIASSE_PUBLIC_URL). */
  publicUrl: string | null;
};

export function loadMailSettings(env: Record<string, string | undefined> = process.env): MailSettings {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };
  const smtpUrl = text('SMTP_URL');
  if (smtpUrl !== null && !/^smtps?:\/\//.test(smtpUrl)) throw new Error('SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465');
  return { smtpUrl, from: text('LIASSE_MAIL_FROM') ?? 'Liasse <liasse@localhost>', publicUrl: text('LIASSE_PUBLIC_URL') };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$|^[^\s@<>]+@localhost$/;

export async function addAlertRecipient(db: Kysely<Database>, input: { tenantId: string; serviceCode: string | null; email: string }, actor: Actor): Promise<string> {
  requirePermission(actor, 'admin.manage');
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new Error(`Adresse e-mail invalide : ${input.email}`);
  const id = newId();
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('alert_recipients').values({ id, tenant_id: input.tenantId, service_code: input.serviceCode, email, created_at: new Date().toISOString() }).execute();
    await appendAudit(trx, { tenantId: input.tenantId, actor: actorName(actor), action: 'alert_recipient.add', entity: 'alert_recipient', entityId: id, data: { email, serviceCode: input.serviceCode } });
  });
  return id;
}

export async function removeAlertRecipient(db: Kysely<Database>, id: string, actor: Actor): Promise<void> {
  requirePermission(actor, 'admin.manage');
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('alert_recipients').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`Destinataire introuvable : ${id}`);
    await trx.deleteFrom('alert_recipients').where('id', '=', id).execute();
    await appendAudit(trx, { tenantId: row.tenant_id, actor: actorName(actor), action: 'alert_recipient.remove', entity: 'alert_recipient', entityId: id, data: { email: row.email } });
  });
}

export async function listAlertRecipients(db: Kysely<Database>, tenantId?: string) {
  let query = db.selectFrom('alert_recipients').selectAll().orderBy('tenant_id').orderBy('service_code').orderBy('email');
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  return query.execute();
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function frenchDate(date: string | null): string {
  return date ? `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}` : '?';
}

function describe(row: DeadlineRow): { state: string; amount: string } {
  const state = row.dgp.late
    ? `en retard de ${row.dgp.daysLate} j${row.charges ? ` (intérêts ${Decimal.parse(row.charges.interest).toFrench()} € + 40 €)` : ''}`
    : `${row.dgp.daysLeft} j restants (ordonnateur : ${row.dgp.ordonnateurDaysLeft} j)`;
  const amount = row.amountTtc ? `${Decimal.parse(row.amountTtc).toFrench()} €` : '?';
  return { state, amount };
}

/** The digests of the day, one per (tenant, service) with at least one invoice late or at risk. */
export async function buildDigests(
  db: Kysely<Database>,
  options: { tenantId?: string; today?: string; settings?: DeadlineSettings; publicUrl?: string | null } = {},
): Promise<Digest[]> {
  const today = options.today ?? todayInParis();
  const rows = await listDeadlines(db, {
    today,
    ...(options.settings ? { settings: options.settings } : {}),
    risks: ['late', 'at_risk'],
    ...(options.tenantId ? { tenantId: options.tenantId } : {}),
  });
  const tenants = new Map((await db.selectFrom('tenants').select(['id', 'name']).execute()).map((tenant) => [tenant.id, tenant.name]));
  const services = await db.selectFrom('services').select(['tenant_id', 'code', 'label', 'chorus_service_code']).execute();
  const recipients = await db.selectFrom('alert_recipients').selectAll().execute();
  const groups = new Map<string, { tenantId: string; serviceCode: string; serviceLabel: string; rows: DeadlineRow[] }>();
  for (const row of rows) {
    const service = services.find((candidate) => candidate.tenant_id === row.tenantId && candidate.chorus_service_code !== null && candidate.chorus_service_code === row.serviceCode);
    const serviceCode = service?.code ?? row.serviceCode ?? NO_SERVICE;
    const key = `${row.tenantId}\u0000${serviceCode}`;
    const group = groups.get(key) ?? { tenantId: row.tenantId, serviceCode, serviceLabel: service?.label ?? serviceCode, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  const digests: Digest[] = [];
  for (const group of groups.values()) {
    const to = [
      ...new Set(
        recipients
          .filter((recipient) => recipient.tenant_id === group.tenantId && (recipient.service_code === null || recipient.service_code === group.serviceCode))
          .map((recipient) => recipient.email),
      ),
    ].sort();
    const tenantName = tenants.get(group.tenantId) ?? group.tenantId;
    const late = group.rows.filter((row) => row.risk === 'late').length;
    const atRisk = group.rows.length - late;
    const subject = `[Liasse] ${tenantName} – ${group.serviceLabel} : ${late} facture(s) en retard, ${atRisk} à risque (${frenchDate(today)})`;
    const link = (row: DeadlineRow) => (options.publicUrl ? `${options.publicUrl.replace(/\/$/, '')}/invoices/${row.invoiceId}` : null);
    const text = [
      `Délais de paiement au ${frenchDate(today)} – ${tenantName}, service ${group.serviceLabel}`,
      '',
      ...group.rows.map((row) => {
        const { state, amount } = describe(row);
        const url = link(row);
        return `- ${row.risk === 'late' ? 'EN RETARD' : 'À RISQUE'} · facture ${row.number ?? '?'} · ${row.sellerName ?? '?'} · ${amount} · échéance ${frenchDate(row.dgp.expiryDate)} · ${state}${url ? `\n  ${url}` : ''}`;
      }),
      '',
      "Les intérêts moratoires et l'indemnité forfaitaire de 40 € sont dus sans demande du fournisseur (décret 2013-269).",
    ].join('\n');
    const html = [
      `<p>Délais de paiement au <strong>${frenchDate(today)}</strong> – ${escapeHtml(tenantName)}, service ${escapeHtml(group.serviceLabel)}</p>`,
      '<table border="1" cellpadding="4" cellspacing="0"><thead><tr><th>État</th><th>Facture</th><th>Fournisseur</th><th>Montant TTC</th><th>Échéance</th><th>Détail</th></tr></thead><tbody>',
      ...group.rows.map((row) => {
        const { state, amount } = describe(row);
        const url = link(row);
        const number = escapeHtml(row.number ?? '?');
        return `<tr><td>${row.risk === 'late' ? 'En retard' : 'À risque'}</td><td>${url ? `<a href="${escapeHtml(url)}">${number}</a>` : number}</td><td>${escapeHtml(row.sellerName ?? '?')}</td><td>${escapeHtml(amount)}</td><td>${frenchDate(row.dgp.expiryDate)}</td><td>${escapeHtml(state)}</td></tr>`;
      }),
      '</tbody></table>',
    ].join('\n');
    digests.push({ tenantId: group.tenantId, tenantName, serviceCode: group.serviceCode, serviceLabel: group.serviceLabel, recipients: to, rows: group.rows, subject, text, html });
  }
  return digests.sort((a, b) => a.tenantName.localeCompare(b.tenantName) || a.serviceCode.localeCompare(b.serviceCode));
}

export type DigestOutcome = { tenantId: string; serviceCode: string; recipients: string[]; invoices: number; outcome: 'sent' | 'already_sent' | 'no_recipient' | 'failed'; error?: string };

export type MailTransport = { sendMail(message: { from: string; to: string[]; subject: string; text: string; html: string }): Promise<{ messageId?: string }> };

export function createMailTransport(smtpUrl: string): MailTransport {
  return nodemailer.createTransport(smtpUrl) as unknown as MailTransport;
}

/** Sends the day's digests; each is recorded (and audited) whether it was sent or failed. */
export async function sendDailyDigests(
  db: Kysely<Database>,
  transport: MailTransport,
  options: { from: string; today?: string; tenantId?: string; settings?: DeadlineSettings; publicUrl?: string | null; actor?: string },
): Promise<DigestOutcome[]> {
  const today = options.today ?? todayInParis();
  const digests = await buildDigests(db, { today, ...(options.tenantId ? { tenantId: options.tenantId } : {}), ...(options.settings ? { settings: options.settings } : {}), publicUrl: options.publicUrl ?? null });
  const outcomes: DigestOutcome[] = [];
  for (const digest of digests) {
    const base = { tenantId: digest.tenantId, serviceCode: digest.serviceCode, recipients: digest.recipients, invoices: digest.rows.length };
    if (digest.recipients.length === 0) {
      outcomes.push({ ...base, outcome: 'no_recipient' });
      continue;
    }
    const already = await db
      .selectFrom('alert_digests')
      .select('id')
      .where('tenant_id', '=', digest.tenantId)
      .where('service_code', '=', digest.serviceCode)
      .where('day', '=', today)
      .where('status', '=', 'sent')
      .executeTakeFirst();
    if (already) {
      outcomes.push({ ...base, outcome: 'already_sent' });
      continue;
    }
    let messageId: string | null = null;
    let error: string | null = null;
    try {
      const info = await transport.sendMail({ from: options.from, to: digest.recipients, subject: digest.subject, text: digest.text, html: digest.html });
      messageId = info.messageId ?? null;
    } catch (failure) {
      error = (failure as Error).message;
    }
    const id = newId();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('alert_digests')
        .values({ id, tenant_id: digest.tenantId, service_code: digest.serviceCode, day: today, recipients: digest.recipients.join(', '), invoice_count: digest.rows.length, status: error ? 'failed' : 'sent', message_id: messageId, error, sent_at: new Date().toISOString() })
        .execute();
      await appendAudit(trx, {
        tenantId: digest.tenantId,
        actor: options.actor ?? 'system:alerts',
        action: error ? 'alert_digest.failed' : 'alert_digest.sent',
        entity: 'alert_digest',
        entityId: id,
        data: { serviceCode: digest.serviceCode, day: today, recipients: digest.recipients, invoices: digest.rows.map((row) => row.invoiceId), error },
      });
    });
    outcomes.push(error ? { ...base, outcome: 'failed', error } : { ...base, outcome: 'sent' });
  }
  return outcomes;
}
