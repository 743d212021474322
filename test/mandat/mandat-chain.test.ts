// The mandatement chain on both databases: mandat (pre-fill, checks, liquidation, MANDATEE queued,
// audit), bordereau, PES valid against the PES V2 schema, sending, acquittement accepted and rejected
// (the invoice back to mandated, then to the comptable again when re-emitted).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { importAcquit } from '../../src/app/mandate/acquits.ts';
import { createBordereau, generateBordereauPes, getBordereau, sendBordereau } from '../../src/app/mandate/bordereaux.ts';
import { cancelPendingMandat, createAnnulationMandat, createMandat, getMandat, MandatCheckError } from '../../src/app/mandate/mandats.ts';
import { getInvoiceTimeline } from '../../src/app/timeline/index.ts';
import { CLI_ACTOR } from '../../src/domain/roles.ts';
import { buildPesAcquit } from '../../src/formats/pes/acquit-writer.ts';
import { validatePesFile, xmllintAvailable } from '../../src/formats/pes/validate.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { DropFolderChannel } from '../../src/teletransmission/drop-folder.ts';
import { summarisePes, simulatedAcquit } from '../../src/teletransmission/s2low-sim.ts';
import { forEachDatabase } from '../helpers/databases.ts';
import { createMandatFixture } from './fixtures.ts';

function requireXmllint(): void {
  assert.ok(xmllintAvailable(), 'xmllint is missing: install libxml2-utils (apt-get install libxml2-utils) — the PES files must be validated against the PES V2 schemas');
}

test('mandat → bordereau → PES → send → acquittement', (t) =>
  forEachDatabase(t, async (context, database) => {
    requireXmllint();
    const fixture = await createMandatFixture(context, { invoices: 3, vatRegime: 'HT' });
    const db = context.store.db;
    const first = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [fixture.invoiceIds[0]!] });
    assert.equal(first.numero, 1);
    assert.equal(first.budget, 'BP');
    assert.equal(first.exercice, 2025);
    assert.equal(first.engagement, 'EJ-2025-0042');
    assert.deepEqual([first.montantHT, first.montantTVA, first.montantTTC, first.montantLiquide], ['100.00', '20.00', '120.00', '100.00']);
    assert.deepEqual(first.dgp, { debut: '2025-03-01', fin: '2025-03-31', duree: 30 });
    assert.equal(first.iban, 'FR7630001007941234567890185');
    assert.equal(first.pjs.length, 1);
    // Liquidation in the same transaction, in HT for a budget that recovers VAT.
    let engagement = await db.selectFrom('engagements').selectAll().where('id', '=', fixture.engagementIds[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(engagement.liquidated_ht_cents), 10000);
    assert.equal(Number(engagement.liquidated_ttc_cents), 12000);
    // MANDATEE queued with the number, invoice status moved, audit on the invoice.
    const outbox = await db.selectFrom('publish_outbox').selectAll().where('invoice_id', '=', fixture.invoiceIds[0]!).orderBy('seq').execute();
    assert.deepEqual(outbox.map((row) => [row.status, row.numero_dp_mandat]), [['SERVICE_FAIT', null], ['MANDATEE', '2025-BP-1']]);
    assert.equal(first.reference, '2025-BP-1');
    const created = (await getInvoiceTimeline(db, fixture.invoiceIds[0]!)).find((entry) => entry.code === 'mandat.create');
    assert.match(created!.detail!, /N° 2025-BP-1/);
    const invoice = await db.selectFrom('invoices').select('status').where('id', '=', fixture.invoiceIds[0]!).executeTakeFirstOrThrow();
    assert.equal(invoice.status, 'mandated');
    const audit = await db.selectFrom('audit_log').select(['action', 'entity']).where('entity_id', '=', fixture.invoiceIds[0]!).execute();
    assert.ok(audit.some((row) => row.action === 'mandat.create' && row.entity === 'invoice'));
    // Twice the same invoice: refused.
    await assert.rejects(createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [fixture.invoiceIds[0]!] }), (error: Error) => error instanceof MandatCheckError && /déjà portée par le mandat n° 1/.test(error.message));
    const second = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [fixture.invoiceIds[1]!] });
    const third = await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [fixture.invoiceIds[2]!] });
    assert.deepEqual([second.numero, third.numero], [2, 3]);
    // The last pending mandat withdrawn gives its number and its liquidation back.
    await cancelPendingMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: third.id, reason: 'Erreur de saisie' });
    engagement = await db.selectFrom('engagements').selectAll().where('id', '=', fixture.engagementIds[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(engagement.liquidated_ht_cents), 20000);

    const bordereau = await createBordereau(context, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025 });
    assert.equal(bordereau.numero, 1);
    assert.deepEqual(bordereau.mandats.map((mandat) => mandat.numero), [1, 2]);
    assert.equal(bordereau.totalTTC, '240.00');
    const out = path.join(database.dataDir, 'bordereau-1.xml');
    const pes = await generateBordereauPes(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, outFile: out, today: '2025-04-02' });
    assert.equal(pes.fileName, 'PESALR2_21340123400017_250402_001.xml');
    const validation = await validatePesFile(out);
    assert.deepEqual(validation.errors, []);
    const xml = fs.readFileSync(out, 'latin1');
    assert.match(xml, /<IdBord V="1"\/>/);
    assert.match(xml, /<MtBordHT V="200.00"\/><MtBordTVA V="40.00"\/>/);
    assert.match(xml, /<DGP><Dgp V="0"\/><DteDebDgp V="2025-03-01"\/><DteFinDgp V="2025-03-31"\/><DureeDgp V="30"\/><\/DGP>/);
    assert.match(xml, /<Facture V="FA2025-0001"\/>/);
    // PJRef of each mandat = IdUnique of a PES_PJ/PJ.
    const refs = [...xml.matchAll(/<PJRef><Support V="01"\/><IdUnique V="([^"]+)"/g)].map((match) => match[1]);
    const carried = [...xml.matchAll(/<\/Contenu><IdUnique V="([^"]+)"/g)].map((match) => match[1]);
    assert.equal(refs.length, 2);
    assert.deepEqual(refs, carried);

    const drop = new DropFolderChannel(path.join(database.dataDir, 'tdt'));
    const sent = await sendBordereau(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, channel: drop });
    assert.equal(sent.status, 'sent');
    assert.ok(fs.existsSync(path.join(drop.outbox, pes.fileName)));
    assert.equal((await getMandat(db, fixture.tenantId, first.id)).status, 'sent');
    const invoiceStatus = async () => (await db.selectFrom('invoices').select('status').where('id', '=', fixture.invoiceIds[0]!).executeTakeFirstOrThrow()).status;
    assert.equal(await invoiceStatus(), 'sent_to_accountant');

    // Rejected: the accountant rejects mandat 2; it goes back "à corriger" with its reason, mandat 1
    // (nothing wrong with it) back to the next bordereau as it is.
    const summary = summarisePes(fs.readFileSync(out))!;
    const rejected = simulatedAcquit(summary, { accepted: false, reason: '2559 - Le code service est inconnu', piece: 2 });
    const outcome = await importAcquit(context, fixture.tenantId, CLI_ACTOR, { bytes: rejected });
    assert.equal(outcome.result, 'rejected');
    const m2 = await getMandat(db, fixture.tenantId, second.id);
    assert.equal(m2.status, 'to_correct');
    assert.match(m2.correctionReason!, /2559 - Le code service est inconnu/);
    const m1 = await getMandat(db, fixture.tenantId, first.id);
    assert.equal(m1.status, 'pending');
    assert.match(m1.correctionReason!, /rejeté pour d'autres pièces \(n° 2\).*à transmettre à nouveau/);
    // The invoices go back to mandated (lifecycle event accountant_rejected), and the timeline says so.
    assert.equal(await invoiceStatus(), 'mandated');
    assert.equal((await importAcquit(context, fixture.tenantId, CLI_ACTOR, { bytes: rejected })).alreadyImported, true);
    assert.equal(await invoiceStatus(), 'mandated');
    const rejection = (await getInvoiceTimeline(db, fixture.invoiceIds[1]!)).filter((entry) => entry.code === 'mandat.rejected');
    assert.equal(rejection.length, 1);
    assert.match(rejection[0]!.title, /rejeté par le comptable.*à corriger/);
    assert.match(rejection[0]!.detail!, /Motif : Rejeté par le comptable : .*2559 - Le code service est inconnu — Transmise au comptable → Mandatée/);

    // Re-emission: bordereau 2, same mandat numbers, new IdUnique for the PJ.
    const again = await createBordereau(context, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025 });
    assert.equal(again.numero, 2);
    assert.deepEqual(again.mandats.map((mandat) => mandat.numero), [1, 2]);
    const out2 = path.join(database.dataDir, 'bordereau-2.xml');
    await generateBordereauPes(context, fixture.tenantId, CLI_ACTOR, { bordereauId: again.id, outFile: out2, today: '2025-04-03' });
    assert.ok((await validatePesFile(out2)).valid);
    const refs2 = [...fs.readFileSync(out2, 'latin1').matchAll(/<PJRef><Support V="01"\/><IdUnique V="([^"]+)"/g)].map((match) => match[1]);
    assert.equal(refs2.filter((ref) => refs.includes(ref)).length, 0, 'an IdUnique is never sent twice');
    await sendBordereau(context, fixture.tenantId, CLI_ACTOR, { bordereauId: again.id, channel: drop });
    // Re-emitted: to the comptable again.
    assert.equal(await invoiceStatus(), 'sent_to_accountant');
    const sendings = (await getInvoiceTimeline(db, fixture.invoiceIds[0]!)).filter((entry) => entry.code === 'bordereau.send');
    assert.deepEqual(sendings.map((entry) => entry.detail), ['Mandatée → Transmise au comptable', 'Mandatée → Transmise au comptable']);
    // Accepted, picked up from the drop folder by its NomFic.
    const accepted = simulatedAcquit(summarisePes(fs.readFileSync(out2))!, { accepted: true });
    fs.writeFileSync(path.join(drop.inbox, 'retour-helios.xml'), accepted);
    const again2 = await db.selectFrom('bordereaux').select('pes_filename').where('id', '=', again.id).executeTakeFirstOrThrow();
    assert.equal((await drop.status(again2.pes_filename!)).state, 'acknowledged');
    const ok = await importAcquit(context, fixture.tenantId, CLI_ACTOR, { bytes: (await drop.fetchAcquit(again2.pes_filename!))! });
    assert.equal(ok.result, 'accepted');
    assert.equal((await getMandat(db, fixture.tenantId, first.id)).status, 'accepted');

    // Réduction of an accepted mandat: next number, RattachPiece, engagement given back.
    const reduction = await createAnnulationMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: first.id, amount: '40.00', reason: 'Avoir du fournisseur' });
    assert.equal(reduction.numero, 3, 'number 3 was withdrawn before transmission: given again');
    assert.equal(reduction.kind, 'annulation');
    assert.equal(reduction.montantLiquide, '40.00');
    engagement = await db.selectFrom('engagements').selectAll().where('id', '=', fixture.engagementIds[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(engagement.liquidated_ht_cents), 16000);
    await assert.rejects(createAnnulationMandat(context, fixture.tenantId, CLI_ACTOR, { mandatId: first.id, amount: '60.01', reason: 'x' }), /ne porte plus que 60,00/);
    const annulation = await createBordereau(context, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025, kind: 'annulation' });
    assert.equal(annulation.numero, 1);
    const out3 = path.join(database.dataDir, 'annulation-1.xml');
    await generateBordereauPes(context, fixture.tenantId, CLI_ACTOR, { bordereauId: annulation.id, outFile: out3 });
    const validation3 = await validatePesFile(out3);
    assert.deepEqual(validation3.errors, []);
    assert.match(fs.readFileSync(out3, 'latin1'), /<RattachPiece><NatPceOrig V="01"\/><ExerRat V="2025"\/><IdPceOrig V="1"\/><IdLigneOrig V="1"\/><\/RattachPiece>/);
    assert.deepEqual(await verifyAuditChain(db), { ok: true, entries: (await verifyAuditChain(db)).entries });
  }));

test('checks before saving: engagement remaining, exercice, IBAN, reconciliation', (t) =>
  forEachDatabase(t, async (context) => {
    const short = await createMandatFixture(context, { engagementTtc: '100.00', engagementHt: null, exerciceOpen: false, invoiceIban: 'FR7610107001011234567890129', tiersIbans: [] });
    await assert.rejects(createMandat(context, short.tenantId, CLI_ACTOR, { invoiceIds: short.invoiceIds }), (error: Error) => {
      assert.ok(error instanceof MandatCheckError);
      const codes = error.problems.map((problem) => problem.code).sort();
      assert.deepEqual(codes, ['engagement_insufficient', 'exercice_closed', 'iban_unknown']);
      return true;
    });
    const engagement = await context.store.db.selectFrom('engagements').selectAll().where('id', '=', short.engagementIds[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(engagement.liquidated_ttc_cents), 0, 'nothing liquidated when the mandat is refused');
    await context.store.db.deleteFrom('invoice_allocations').where('tenant_id', '=', short.tenantId).execute();
    await assert.rejects(createMandat(context, short.tenantId, CLI_ACTOR, { invoiceIds: short.invoiceIds }), /rapprochée d'aucun engagement/);
  }));

test('a rejected acquittement with the real sample layout is read back (schema-valid writer)', async () => {
  requireXmllint();
  const bytes = buildPesAcquit({
    nomFic: 'X.xml',
    typFic: 'PESALR2',
    header: { dteStr: '2025-01-01', idPost: '034099', idColl: '21340123400017', codCol: '123', codBud: '00' },
    elements: [{ domaine: '5', accepted: false, numBord: 1, exerciceBord: 2025, idMarche: null, idUnique: null, errors: [{ code: 'ERREUR_DOUBLON_BORDEREAU', label: null }], pieces: [] }],
  });
  assert.match(bytes.toString('latin1'), /ERREUR_DOUBLON_BORDEREAU/);
});

test("a rejected bordereau: each piece keeps its own errors, only the named pieces go à corriger, the bordereau keeps its own text", (t) =>
  forEachDatabase(t, async (context, database) => {
    requireXmllint();
    const fixture = await createMandatFixture(context, { invoices: 3 });
    const db = context.store.db;
    const mandats = [];
    for (const invoiceId of fixture.invoiceIds) mandats.push(await createMandat(context, fixture.tenantId, CLI_ACTOR, { invoiceIds: [invoiceId] }));
    const drop = new DropFolderChannel(path.join(database.dataDir, 'tdt'));
    const emit = async (day: string) => {
      const bordereau = await createBordereau(context, fixture.tenantId, CLI_ACTOR, { budgetCode: 'BP', exercice: 2025 });
      await generateBordereauPes(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, outFile: path.join(database.dataDir, `b${bordereau.numero}.xml`), today: day });
      await sendBordereau(context, fixture.tenantId, CLI_ACTOR, { bordereauId: bordereau.id, channel: drop });
      const row = await db.selectFrom('bordereaux').select(['pes_filename', 'numero']).where('id', '=', bordereau.id).executeTakeFirstOrThrow();
      return { id: bordereau.id, nomFic: row.pes_filename!, numero: Number(row.numero) };
    };
    const acquitOf = (b: { nomFic: string; numero: number }, element: { errors: { code: string; label: string }[]; pieces: { numPiece: number; errors: { code: string; label: string }[]; lines: { numLigne: number; errors: { code: string; label: string }[] }[] }[] }) =>
      buildPesAcquit({
        nomFic: b.nomFic,
        typFic: 'PESALR2',
        header: { dteStr: '2025-04-03', idPost: '034099', idColl: '21340123400017', codCol: '123', codBud: '00' },
        elements: [{ domaine: '5', accepted: false, numBord: b.numero, exerciceBord: 2025, idMarche: null, idUnique: null, ...element }],
      });

    const first = await emit('2025-04-02');
    const outcome = await importAcquit(context, fixture.tenantId, CLI_ACTOR, {
      bytes: acquitOf(first, {
        errors: [{ code: 'ERREUR_AUTRE', label: 'Bordereau non intégré' }],
        pieces: [{ numPiece: 3, errors: [{ code: 'ERREUR_AUTRE', label: '2559 - Code service inconnu' }], lines: [{ numLigne: 1, errors: [{ code: 'ERREUR_AUTRE', label: '1971 - Compte fonction présent à tort' }] }] }],
      }),
    });
    assert.equal(outcome.result, 'rejected');
    assert.deepEqual(outcome.mandats.map((mandat) => [mandat.numero, mandat.status, mandat.statusLabel]), [
      [1, 'pending', 'À mettre en bordereau'],
      [2, 'pending', 'À mettre en bordereau'],
      [3, 'to_correct', 'À corriger'],
    ]);
    const m3 = await getMandat(db, fixture.tenantId, mandats[2]!.id);
    assert.equal(m3.correctionReason, 'Rejeté par le comptable : ERREUR_AUTRE : 2559 - Code service inconnu ; ligne 1 : ERREUR_AUTRE : 1971 - Compte fonction présent à tort');
    for (const mandat of mandats.slice(0, 2)) {
      const view = await getMandat(db, fixture.tenantId, mandat.id);
      assert.equal(view.status, 'pending');
      assert.doesNotMatch(view.correctionReason!, /2559|1971/);
    }
    const bordereau = await db.selectFrom('bordereaux').select(['status', 'rejection_reason']).where('id', '=', first.id).executeTakeFirstOrThrow();
    assert.equal(bordereau.status, 'rejected');
    assert.equal(bordereau.rejection_reason, 'ERREUR_AUTRE : Bordereau non intégré ; pièce en erreur : n° 3');
    for (const invoiceId of fixture.invoiceIds) {
      assert.equal((await db.selectFrom('invoices').select('status').where('id', '=', invoiceId).executeTakeFirstOrThrow()).status, 'mandated');
    }
    // The verdicts stay on the rejected bordereau's view.
    const view = await getBordereau(db, fixture.tenantId, first.id);
    assert.deepEqual(view.mandats.map((mandat) => mandat.acquit?.status), ['pending', 'pending', 'to_correct']);

    // All three go again; a rejection naming no piece sends every mandat "à corriger" with the bordereau's text.
    const second = await emit('2025-04-03');
    assert.equal(second.numero, 2);
    const all = await importAcquit(context, fixture.tenantId, CLI_ACTOR, { bytes: acquitOf(second, { errors: [{ code: 'ERREUR_DOUBLON_BORDEREAU', label: 'Bordereau déjà reçu' }], pieces: [] }) });
    assert.deepEqual(all.mandats.map((mandat) => mandat.status), ['to_correct', 'to_correct', 'to_correct']);
    for (const mandat of mandats) {
      assert.equal((await getMandat(db, fixture.tenantId, mandat.id)).correctionReason, 'Bordereau n° 2 rejeté par le comptable : ERREUR_DOUBLON_BORDEREAU : Bordereau déjà reçu');
    }
  }));
