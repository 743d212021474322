// The Mandat and Bordereaux routes end to end through the HTTP layer (app.inject), on SQLite and
// PostgreSQL: the preview pre-fills the mandat with the rules createMandat applies and saves nothing;
// the acknowledgement job polls the sent bordereau through its channel and the screen's data carries
// the accountant's reason per mandat; a failed publication is abandoned with its reason.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { createMandatFixture, TIERS_IBAN, TIERS_SIRET } from '../../test/mandat/fixtures.ts';
import { forEachDatabase } from '../../test/helpers/databases.ts';
import type { AppContext } from '../app/context.ts';
import { pollSentBordereaux } from '../app/mandate/jobs.ts';
import { createUser, grantRole } from '../app/users/users.ts';
import { CLI_ACTOR } from '../domain/roles.ts';
import { channelFromConfig, type DropFolderChannel } from '../teletransmission/index.ts';
import { simulatedAcquit, summarisePes } from '../teletransmission/s2low-sim.ts';
import { buildTestServer, signIn, TEST_PASSWORD } from './testing.ts';
import { CHORUS_STATUS_LABELS } from '../domain/lifecycle.ts';

async function userOn(context: AppContext, tenantId: string, username: string, role: 'valideur' | 'lecteur' | 'gestionnaire') {
  const user = await createUser(context.store.db, CLI_ACTOR, { username, displayName: username, password: TEST_PASSWORD });
  await grantRole(context.store.db, CLI_ACTOR, { userId: user.id, tenantId, role });
}

async function counts(context: AppContext) {
  const db = context.store.db;
  const [mandats, outbox, sequences, audit] = await Promise.all([
    db.selectFrom('mandats').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('publish_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('sequences').selectAll().execute(),
    db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const engagements = await db.selectFrom('engagements').select(['liquidated_ttc_cents', 'liquidated_ht_cents']).execute();
  return JSON.stringify({ mandats: Number(mandats.n), outbox: Number(outbox.n), sequences, audit: Number(audit.n), engagements: engagements.map((row) => [Number(row.liquidated_ttc_cents), Number(row.liquidated_ht_cents)]) });
}

test('mandat preview, creation, bordereau, acknowledgement follow-up and abandoned publication over HTTP', (t) =>
  forEachDatabase(t, async (context) => {
    const saved = { tdt: process.env.LIASSE_TDT, s2low: process.env.S2LOW_URL, dir: process.env.LIASSE_TDT_DIR };
    delete process.env.LIASSE_TDT;
    delete process.env.S2LOW_URL;
    delete process.env.LIASSE_TDT_DIR;
    const fixture = await createMandatFixture(context, { invoices: 2, vatRegime: 'HT', serviceFait: false });
    await userOn(context, fixture.tenantId, 'marie', 'valideur');
    await userOn(context, fixture.tenantId, 'leo', 'lecteur');
    const app = await buildTestServer(context);
    try {
      const valideur = await signIn(app, 'marie');
      const lecteur = await signIn(app, 'leo');
      const base = `/api/tenants/${fixture.tenantId}`;
      const [invoiceId, secondId] = fixture.invoiceIds as [string, string];

      // Not certified yet and the exercice closed: the form is pre-filled all the same, with the failing checks in French.
      await context.store.db.updateTable('exercices').set({ open: 0 }).where('tenant_id', '=', fixture.tenantId).execute();
      const before = await counts(context);
      let response = await lecteur.request('GET', `${base}/mandats/preview?invoiceId=${invoiceId}`);
      assert.equal(response.statusCode, 200, response.body);
      let preview = response.json();
      assert.equal(preview.ready, false);
      assert.deepEqual(preview.problems, [
        { code: 'service_fait_missing', message: "Le service fait n'est pas certifié pour la facture FA2025-0001 : le certifier avant de mandater." },
        { code: 'exercice_closed', message: "L'exercice 2025 du budget BP est clos." },
      ]);
      assert.deepEqual(preview.tiers && { name: preview.tiers.name, siret: preview.tiers.siret }, { name: 'Papeterie Exemple SARL', siret: TIERS_SIRET });
      assert.equal(preview.iban, TIERS_IBAN);
      assert.deepEqual([preview.montantHT, preview.montantTVA, preview.montantTTC, preview.montantLiquide], ['100.00', '20.00', '120.00', '100.00']);
      assert.equal(preview.budget.code, 'BP');
      assert.equal(preview.budget.vatRegime, 'HT');
      assert.equal(preview.exercice, 2025);
      assert.equal(preview.exerciceOpen, false);
      assert.deepEqual(preview.engagements, ['EJ-2025-0042']);
      assert.equal(preview.lines[0].nature, '6064');
      assert.equal(preview.lines[0].fonction, '020');
      assert.match(preview.objet, /^Fournitures de bureau - Fact\. /);
      assert.deepEqual(preview.dgp, { debut: '2025-03-01', fin: '2025-03-31', duree: 30 });
      assert.equal(preview.pjs.length, 1);
      assert.equal(await counts(context), before, 'a preview saves nothing, takes no number, liquidates nothing');
      await context.store.db.updateTable('exercices').set({ open: 1 }).where('tenant_id', '=', fixture.tenantId).execute();

      // Several invoices of one tiers: one preview, both lines.
      response = await valideur.request('GET', `${base}/mandats/preview?invoiceId=${invoiceId}&invoiceId=${secondId}`);
      assert.equal(response.json().lines.length, 2);
      assert.equal(response.json().montantTTC, '240.00');
      // Unknown invoice: 404; another collectivité's preview: refused at the gate (authorisation test).
      response = await valideur.request('GET', `${base}/mandats/preview?invoiceId=nope`);
      assert.equal(response.statusCode, 404);

      response = await valideur.request('POST', `${base}/invoices/${invoiceId}/service-fait`, {});
      assert.equal(response.statusCode, 200, response.body);
      const detail = (await valideur.request('GET', `${base}/invoices/${invoiceId}`)).json();
      // Screens show the Chorus status in French, from the lifecycle's one table.
      assert.ok(detail.chorusStatus, 'the fixture invoice has a Chorus status');
      assert.equal(detail.chorusStatusLabel, CHORUS_STATUS_LABELS[detail.chorusStatus as keyof typeof CHORUS_STATUS_LABELS]);
      assert.notEqual(detail.chorusStatusLabel, detail.chorusStatus);
      preview = (await valideur.request('GET', `${base}/mandats/preview?invoiceId=${invoiceId}`)).json();
      assert.equal(preview.ready, true);
      assert.deepEqual(preview.problems, []);

      // The mandat created is the preview.
      response = await valideur.request('POST', `${base}/mandats`, { invoiceIds: [invoiceId] });
      assert.equal(response.statusCode, 200, response.body);
      const mandat = response.json();
      assert.deepEqual(
        [mandat.objet, mandat.iban, mandat.montantHT, mandat.montantTVA, mandat.montantTTC, mandat.montantLiquide, mandat.exercice, mandat.budget, mandat.engagements, mandat.dgp],
        [preview.objet, preview.iban, preview.montantHT, preview.montantTVA, preview.montantTTC, preview.montantLiquide, preview.exercice, preview.budget.code, preview.engagements, preview.dgp],
      );
      preview = (await valideur.request('GET', `${base}/mandats/preview?invoiceId=${invoiceId}`)).json();
      assert.ok(preview.problems.some((problem: { code: string }) => problem.code === 'already_mandated'));

      // A business refusal is a 4xx with its checks, never a 500.
      response = await valideur.request('POST', `${base}/mandats`, { invoiceIds: [invoiceId] });
      assert.equal(response.statusCode, 422);
      assert.ok(Array.isArray(response.json().error.details));

      // Bordereau, sent through the installation's channel (the drop folder of the data directory).
      response = await valideur.request('POST', `${base}/bordereaux`, { budget: 'BP', exercice: 2025 });
      assert.equal(response.statusCode, 200, response.body);
      const bordereauId = response.json().id as string;
      response = await valideur.request('POST', `${base}/bordereaux/${bordereauId}/send`, {});
      assert.equal(response.statusCode, 200, response.body);
      const sent = response.json();
      assert.equal(sent.channel, 'drop-folder');

      // Nothing back yet: the poll route says so and changes nothing.
      response = await valideur.request('POST', `${base}/bordereaux/${bordereauId}/poll`, {});
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().acquit, null);
      assert.equal(response.json().bordereau.status, 'sent');

      // The accountant rejects the mandat: the job imports it, the bordereau carries the reason per mandat.
      const channel = channelFromConfig(context.config) as DropFolderChannel;
      const pesBytes = await context.blobs.get(sent.pesSha256 as string);
      const summary = summarisePes(pesBytes)!;
      fs.mkdirSync(channel.inbox, { recursive: true });
      fs.writeFileSync(path.join(channel.inbox, `ACQUIT_${sent.pesFile}`), simulatedAcquit(summary, { accepted: false, reason: 'Imputation 6064 fermée', code: 'ERREUR_AUTRE', piece: mandat.numero }));
      const logs: string[] = [];
      const polled = await pollSentBordereaux(context, { log: (line) => logs.push(line) });
      assert.deepEqual(polled, { polled: 1, acknowledged: 0, rejected: 1, failed: 0 }, logs.join('\n'));
      response = await lecteur.request('GET', `${base}/bordereaux/${bordereauId}`);
      const bordereau = response.json();
      assert.equal(bordereau.status, 'rejected');
      assert.equal(bordereau.acquitResult, 'rejected');
      assert.equal(bordereau.mandats[0].status, 'to_correct');
      assert.equal(bordereau.mandats[0].statusLabel, 'À corriger');
      assert.match(bordereau.mandats[0].acquit.reason, /Imputation 6064 fermée/);
      // Polled again: nothing more to do (the bordereau is no longer "sent").
      assert.deepEqual(await pollSentBordereaux(context), { polled: 0, acknowledged: 0, rejected: 0, failed: 0 });

      // A failed MANDATEE publication is abandoned with a reason from the dashboard.
      const row = await context.store.db.selectFrom('publish_outbox').select('id').where('invoice_id', '=', invoiceId).where('status', '=', 'MANDATEE').executeTakeFirstOrThrow();
      await context.store.db.updateTable('publish_outbox').set({ state: 'failed', last_error: 'Chorus Pro : 20001 statut refusé', attempts: 5 }).where('id', '=', row.id).execute();
      let dashboard = (await lecteur.request('GET', `${base}/dashboard`)).json();
      assert.ok(dashboard.publishFailures.some((failure: { id: string }) => failure.id === row.id));
      response = await valideur.request('POST', `${base}/publications/${row.id}/abandon`, { reason: '  ' });
      assert.equal(response.statusCode, 400);
      response = await lecteur.request('POST', `${base}/publications/${row.id}/abandon`, { reason: 'Statut posé à la main sur le portail' });
      assert.equal(response.statusCode, 403);
      response = await valideur.request('POST', `${base}/publications/${row.id}/abandon`, { reason: 'Statut posé à la main sur le portail' });
      assert.equal(response.statusCode, 200, response.body);
      dashboard = (await lecteur.request('GET', `${base}/dashboard`)).json();
      assert.ok(!dashboard.publishFailures.some((failure: { id: string }) => failure.id === row.id));
      // Not failed any more: abandoning again is a business refusal (4xx), not a 500.
      response = await valideur.request('POST', `${base}/publications/${row.id}/abandon`, { reason: 'encore' });
      assert.equal(response.statusCode, 409, response.body);
      const audit = await context.store.db.selectFrom('audit_log').select('data_json').where('action', '=', 'publish.abandon').where('entity_id', '=', invoiceId).executeTakeFirstOrThrow();
      assert.match(audit.data_json ?? '', /Statut posé à la main sur le portail/);
    } finally {
      await app.close();
      for (const [key, value] of [['LIASSE_TDT', saved.tdt], ['S2LOW_URL', saved.s2low], ['LIASSE_TDT_DIR', saved.dir]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }));
