// Issue #6 acceptance, on SQLite and PostgreSQL: the Chorus simulator's invoices synced, matched to
// the imported engagements, then from the CLI: mandats, a bordereau, its PES (valid against the
// PES V2 schema), sending through S²low (the local simulator), a rejection polled back (mandats "à
// corriger" with the accountant's reason), a new bordereau accepted through `liasse acquit import`;
// the engagements' remaining amounts follow. Kept affordable for CI: a 40-invoice simulator dataset,
// the mandats created by concurrent CLI processes, each command run once (the second bordereau and
// the final checks in-process), and S²low moved along without a CLI poll per step.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { certifyServiceFait } from '../../src/app/decisions/index.ts';
import { createBordereau } from '../../src/app/mandate/bordereaux.ts';
import { getMandat } from '../../src/app/mandate/mandats.ts';
import { runMatching } from '../../src/app/match/run.ts';
import { importCsv } from '../../src/app/referential/import.ts';
import { insertTenant } from '../../src/app/search/test-fixtures.ts';
import { inProcessChorusClient } from '../../src/app/sync/in-process-client.ts';
import { syncTenant } from '../../src/app/sync/sync.ts';
import { referentialOf } from '../../src/chorus/simulator/index.ts';
import { SimState } from '../../src/chorus/simulator/store.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';
import { validatePesFile, xmllintAvailable } from '../../src/formats/pes/validate.ts';
import { startS2lowSimulator, summarisePes, simulatedAcquit } from '../../src/teletransmission/s2low-sim.ts';
import { forEachDatabase } from '../helpers/databases.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const csv = (rows: (string | null)[][]) => rows.map((row) => row.map((cell) => (cell ?? '').replace(/;/g, ',')).join(';')).join('\n') + '\n';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/liasse.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env, LIASSE_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function json<T>(args: string[], env: Record<string, string>): Promise<T> {
  const result = await cli([...args, '--json'], env);
  assert.equal(result.code, 0, `liasse ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

test('simulator invoices → matching → mandats, bordereau, PES, S²low, acquittements (CLI)', (t) =>
  forEachDatabase(t, async (context, database) => {
    assert.ok(xmllintAvailable(), 'xmllint is missing: install libxml2-utils (apt-get install libxml2-utils)');
    const state = SimState.open({ seed: 'liasse-mandat', invoices: 40, referenceDate: '2025-06-30' });
    const referential = referentialOf(state.dataset);
    const { db } = context.store;
    const tenantId = await insertTenant(db, referential.authority.name);
    await syncTenant(context, tenantId, { client: inProcessChorusClient(state), since: '2020-01-01' });
    const budgetCode = (siret: string) => `B${siret.slice(-5)}`;
    const budgets = await importCsv(db, tenantId, 'budgets', csv([
      ['code', 'libelle', 'siret', 'tva', 'codcol', 'codbud', 'idpost'],
      ...referential.budgets.map((b, index) => [budgetCode(b.siret), b.budgetLabel, b.siret, 'TTC', '123', String(index % 10).padStart(2, '0'), '034099']),
    ]));
    assert.deepEqual(budgets.rejected, []);
    await importCsv(db, tenantId, 'tiers', csv([['siret', 'nom', 'iban', 'tva'], ...referential.suppliers.map((s) => [s.siret, s.name, s.iban, s.vatId])]));
    await importCsv(db, tenantId, 'engagements', csv([
      ['numero', 'exercice', 'budget', 'siret_tiers', 'montant', 'montant_ht', 'service', 'marche', 'liquide', 'nature', 'fonction'],
      ...referential.engagements.map((e) => [e.numero, e.numero.slice(2, 6), budgetCode(e.structureSiret), e.supplierSiret, e.amountTTC.replace('.', ','), e.amountHT, e.serviceCode, e.numeroMarche, e.consumedBeforeTTC, '6064', '020']),
    ]));
    const results = await runMatching(context.store, tenantId);
    const clear = results.filter((result) => result.status === 'matched' && result.anomalies.length === 0);
    assert.ok(clear.length >= 5, `only ${clear.length} invoices matched cleanly`);

    // Mandats from the CLI — concurrent processes — on the (budget, exercice) with the most clear invoices.
    type Mandat = { id: string; numero: number; budget: string; exercice: number; invoiceId: string; engagement: string; montantHT: string; montantTVA: string; montantTTC: string; montantLiquide: string; status: string; correctionReason: string | null };
    const env = { ...database.env };
    const groups = new Map<string, typeof clear>();
    const liquidatedBefore = new Map<string, number>();
    for (const result of clear) {
      const engagement = await db.selectFrom('engagements').selectAll().where('id', '=', result.engagement!.id).executeTakeFirstOrThrow();
      if (!liquidatedBefore.has(engagement.id)) liquidatedBefore.set(engagement.id, Number(engagement.liquidated_ttc_cents));
      const key = `${engagement.budget_id}:${engagement.exercice}`;
      groups.set(key, [...(groups.get(key) ?? []), result]);
    }
    const chosen = [...groups.values()].sort((a, b) => b.length - a.length)[0]!.slice(0, 3);
    // Liquidation after service fait only: certified first (the decisions use case).
    for (const result of chosen) await certifyServiceFait(db, { invoiceId: result.invoiceId, actor: CLI_ACTOR });
    const attempts = await Promise.all(chosen.map((result) => cli(['mandat', 'create', '--invoice', result.invoiceId, '--json'], env)));
    const mandats: Mandat[] = [];
    for (const [index, created] of attempts.entries()) {
      if (created.code !== 0) continue; // a check refused it (e.g. exercice): the others go on
      const mandat = JSON.parse(created.stdout) as Mandat;
      assert.equal(mandat.invoiceId, chosen[index]!.invoiceId);
      assert.equal(mandat.engagement, chosen[index]!.engagement!.numero);
      mandats.push(mandat);
    }
    mandats.sort((a, b) => a.numero - b.numero);
    assert.ok(mandats.length >= 2, 'at least two mandats created from matched simulator invoices');
    assert.deepEqual(mandats.map((mandat) => mandat.numero), mandats.map((_, index) => index + 1));
    // Remaining amounts: each engagement liquidated by exactly its mandats (TTC budget).
    for (const [engagementId, before] of liquidatedBefore) {
      const after = await db.selectFrom('engagements').select('liquidated_ttc_cents').where('id', '=', engagementId).executeTakeFirstOrThrow();
      const lines = await db.selectFrom('mandat_lines').select('liquidated_cents').where('engagement_id', '=', engagementId).execute();
      assert.equal(Number(after.liquidated_ttc_cents) - before, lines.reduce((sum, line) => sum + Number(line.liquidated_cents), 0));
    }

    const { budget, exercice } = mandats[0]!;
    const bordereau = await json<{ id: string; numero: number; mandats: { numero: number }[] }>(['bordereau', 'create', '--budget', budget, '--exercice', String(exercice)], env);
    assert.equal(bordereau.numero, 1);
    assert.deepEqual(bordereau.mandats.map((mandat) => mandat.numero), mandats.map((mandat) => mandat.numero));
    const out = path.join(database.dataDir, 'b1.xml');
    assert.equal((await cli(['bordereau', 'pes', bordereau.id, '--out', out], env)).code, 0);
    assert.deepEqual((await validatePesFile(out)).errors, []);

    const s2low = await startS2lowSimulator({ validate: true });
    try {
      const tdt = { ...env, LIASSE_TDT: 's2low', S2LOW_URL: s2low.url };
      s2low.rejectNext('2559 - Le code service de la structure publique destinataire est inconnu ou inactif dans Chorus Pro', mandats[0]!.numero);
      const sent = await json<{ status: string; transmissionId: string }>(['bordereau', 'send', bordereau.id], tdt);
      assert.equal(sent.status, 'sent');
      // Hélios works while nobody polls: two steps (posted → waiting → transmitted), then the CLI poll
      // finds the rejection and imports its acquittement.
      s2low.advance(2);
      let polled: { status: { state: string }; acquit: { result: string } | null } = { status: { state: 'pending' }, acquit: null };
      for (let poll = 0; poll < 4 && !polled.acquit; poll += 1) polled = await json(['bordereau', 'status', bordereau.id], tdt);
      assert.equal(polled.status.state, 'rejected');
      assert.equal(polled.acquit!.result, 'rejected');
      const invoiceStatus = async (invoiceId: string) => (await db.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow()).status;
      for (const mandat of mandats) assert.equal(await invoiceStatus(mandat.invoiceId), 'mandated', 'back to mandated after the rejection');
      const rejected = await json<Mandat>(['mandat', 'show', mandats[0]!.id], env);
      assert.equal(rejected.status, 'to_correct');
      assert.match(rejected.correctionReason!, /2559 - Le code service/);

      // Re-emitted in bordereau 2 (`bordereau create` was proven above: in-process here), sent,
      // accepted through `liasse acquit import`.
      const second = await createBordereau(context, tenantId, CLI_ACTOR, { budgetCode: budget, exercice });
      assert.equal(second.numero, 2);
      assert.deepEqual(second.mandats.map((mandat) => mandat.numero), mandats.map((mandat) => mandat.numero));
      await json(['bordereau', 'send', second.id], tdt);
      for (const mandat of mandats) assert.equal(await invoiceStatus(mandat.invoiceId), 'sent_to_accountant', 're-emitted');
      const pesFile = await db.selectFrom('bordereaux').select(['pes_filename', 'pes_sha256']).where('id', '=', second.id).executeTakeFirstOrThrow();
      const pes = await context.blobs.get(pesFile.pes_sha256!);
      const ackFile = path.join(database.dataDir, `ACQUIT_${pesFile.pes_filename}`);
      fs.writeFileSync(ackFile, simulatedAcquit(summarisePes(pes)!, { accepted: true }));
      const imported = await cli(['acquit', 'import', ackFile, '--json'], env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal((JSON.parse(imported.stdout) as { result: string }).result, 'accepted');
      for (const mandat of mandats) assert.equal((await getMandat(db, tenantId, mandat.id)).status, 'accepted');
      const outbox = await db.selectFrom('publish_outbox').select(['status', 'numero_dp_mandat']).where('invoice_id', '=', mandats[0]!.invoiceId).where('status', '=', 'MANDATEE').execute();
      assert.deepEqual(outbox.map((row) => row.numero_dp_mandat), [`${exercice}-${budget}-${mandats[0]!.numero}`]);
    } finally {
      await s2low.close();
    }
  }));
