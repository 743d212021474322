// The digest e-mail arrives at a real SMTP server started here; webhooks reach a real HTTP server
// on 127.0.0.1, signed, and are retried after a failure.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { newId } from '../../domain/ids.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { insertInvoice, insertTenant } from '../archive/test-fixtures.ts';
import {
  addAlertRecipient,
  addWebhookEndpoint,
  buildDigests,
  createMailTransport,
  deliverDueWebhooks,
  enqueueInvoiceEvents,
  eventMatches,
  SIGNATURE_HEADER,
  sendDailyDigests,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from './index.ts';

type Received = { from: string; to: string[]; data: string };

async function startSmtp(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('event patterns', () => {
  assert.ok(eventMatches(null, 'invoice.suspend'));
  assert.ok(eventMatches(['invoice.*'], 'invoice.suspend'));
  assert.ok(!eventMatches(['invoice.reject'], 'invoice.suspend'));
});

test('daily digest per service, over SMTP', (t) =>
  forEachDatabase(t, async ({ store: { db } }) => {
    const tenantId = await insertTenant(db, 'commune', 'Commune de Saint-Test');
    await db.insertInto('services').values({ id: newId(), tenant_id: tenantId, code: 'VOIRIE', label: 'Voirie', chorus_service_code: 'SERV1' }).execute();
    const late = await insertInvoice(db, tenantId, { made_available_at: '2024-09-02T08:00:00Z', number: 'F-LATE', amount_ttc: '15234.56', chorus_service_code: 'SERV1' });
    await insertInvoice(db, tenantId, { made_available_at: '2024-10-10T08:00:00Z', number: 'F-RISK', chorus_service_code: 'SERV1' });
    await insertInvoice(db, tenantId, { made_available_at: '2024-10-31T08:00:00Z', number: 'F-OK', chorus_service_code: 'SERV1' });
    await insertInvoice(db, tenantId, { made_available_at: '2024-09-01T08:00:00Z', number: 'F-OTHER', chorus_service_code: 'AUTRE' });
    await addAlertRecipient(db, { tenantId, serviceCode: 'VOIRIE', email: 'voirie@saint-test.fr' }, CLI_ACTOR);
    await addAlertRecipient(db, { tenantId, serviceCode: null, email: 'finances@saint-test.fr' }, CLI_ACTOR);

    const digests = await buildDigests(db, { today: '2024-11-01' });
    const voirie = digests.find((digest) => digest.serviceCode === 'VOIRIE');
    assert.ok(voirie);
    assert.deepEqual(voirie.rows.map((row) => row.number), ['F-LATE', 'F-RISK']);
    assert.deepEqual(voirie.recipients, ['finances@saint-test.fr', 'voirie@saint-test.fr']);
    assert.ok(voirie.rows[0]!.invoiceId === late);

    const smtp = await startSmtp();
    try {
      const transport = createMailTransport(`smtp://127.0.0.1:${smtp.port}`);
      const outcomes = await sendDailyDigests(db, transport, { from: 'Liasse <liasse@saint-test.fr>', today: '2024-11-01' });
      assert.deepEqual(outcomes.map((outcome) => [outcome.serviceCode, outcome.outcome]).sort(), [['AUTRE', 'sent'], ['VOIRIE', 'sent']]);
      assert.equal(smtp.received.length, 2);
      const mail = smtp.received.find((message) => message.to.includes('voirie@saint-test.fr'));
      assert.ok(mail, 'the Voirie digest arrived');
      assert.equal(mail.from, 'liasse@saint-test.fr');
      assert.match(mail.data, /F-LATE/);
      assert.match(mail.data, /F-RISK/);
      assert.doesNotMatch(mail.data, /F-OK/);
      // Run again the same day: nothing resent.
      const again = await sendDailyDigests(db, transport, { from: 'liasse@saint-test.fr', today: '2024-11-01' });
      assert.ok(again.every((outcome) => outcome.outcome === 'already_sent'));
      assert.equal(smtp.received.length, 2);
      const recorded = await db.selectFrom('alert_digests').selectAll().execute();
      assert.equal(recorded.length, 2);
    } finally {
      await smtp.close();
    }
  }));

test('webhooks: signed, retried after a failure, delivered once', (t) =>
  forEachDatabase(t, async ({ store: { db } }) => {
    const tenantId = await insertTenant(db);
    const invoiceId = await insertInvoice(db, tenantId, { number: 'F-HOOK' });
    const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    let failNext = true;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.statusCode = failNext ? 503 : 204;
        failNext = false;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      const { secret } = await addWebhookEndpoint(db, { tenantId, url, events: ['invoice.*'] }, CLI_ACTOR);
      await db.transaction().execute(async (trx) => {
        await appendAudit(trx, { tenantId, actor: 'user:u1', action: 'invoice.suspend', entity: 'invoice', entityId: invoiceId, data: { motif: 'PJ manquante' } });
        await appendAudit(trx, { tenantId, actor: 'cli', action: 'tenant.update', entity: 'tenant', entityId: tenantId });
      });
      assert.equal(await enqueueInvoiceEvents(db), 1);
      assert.equal(await enqueueInvoiceEvents(db), 0);

      let clock = new Date('2030-01-01T00:00:00Z');
      const first = await deliverDueWebhooks(db, { now: () => clock, baseDelayMs: 1000 });
      assert.deepEqual(first.map((outcome) => [outcome.status, outcome.httpStatus]), [['retry', 503]]);
      assert.deepEqual(await deliverDueWebhooks(db, { now: () => clock }), []); // not due yet
      clock = new Date(clock.getTime() + 1500);
      const second = await deliverDueWebhooks(db, { now: () => clock, baseDelayMs: 1000 });
      assert.deepEqual(second.map((outcome) => [outcome.status, outcome.httpStatus]), [['delivered', 204]]);
      assert.equal(requests.length, 2);

      const last = requests[1]!;
      const payload = JSON.parse(last.body) as { type: string; invoice: { id: string; number: string }; data: { motif: string } };
      assert.equal(payload.type, 'invoice.suspend');
      assert.equal(payload.invoice.number, 'F-HOOK');
      assert.equal(payload.data.motif, 'PJ manquante');
      const timestamp = String(last.headers[TIMESTAMP_HEADER]);
      assert.ok(verifyWebhookSignature(secret, timestamp, last.body, String(last.headers[SIGNATURE_HEADER]), clock.getTime()));
      assert.ok(!verifyWebhookSignature('wrong-secret', timestamp, last.body, String(last.headers[SIGNATURE_HEADER]), clock.getTime()));
      assert.equal(requests[0]!.headers['x-liasse-delivery'], requests[1]!.headers['x-liasse-delivery']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }));
