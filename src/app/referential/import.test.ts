import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { insertTenant } from '../search/test-fixtures.ts';
import { parseCsv } from './csv.ts';
import { importCsv, importJson } from './import.ts';

const BUDGETS = 'code;libellé;siret;tva;nomenclature\nPRINC;Budget principal;21350001800013;TTC;M57\nEAU;Service de l\'eau;21350001800021;HT;M49\nBAD;Sans siret;123;TTC;M57\n';
// Windows-1252: "Société Générale" with é = 0xE9.
const TIERS_1252 = Buffer.concat([
  Buffer.from('siret;nom;iban\r\n73282932000074;Soci'),
  Buffer.from([0xe9]),
  Buffer.from('t'),
  Buffer.from([0xe9]),
  Buffer.from(' G'),
  Buffer.from([0xe9]),
  Buffer.from('n'),
  Buffer.from([0xe9]),
  Buffer.from('rale;FR76 3000 6000 0112 3456 7890 189\r\n55203253400646;ACME;\r\n'),
]);
const ENGAGEMENTS =
  'numero;exercice;budget;siret_tiers;montant;montant_ht;service;objet\n' +
  'EJ-2025-001;2025;PRINC;73282932000074;"1 500,00";1250,00;VOIRIE;"Entretien; voirie"\n' +
  'EJ-2025-002;2025;EAU;55203253400646;2400.50;;;\n' +
  'EJ-2025-003;2025;INCONNU;55203253400646;10;;;\n' +
  'EJ-2025-004;25;PRINC;55203253400646;10;;;\n' +
  'EJ-2025-005;2025;PRINC;99999999999999;10;;;\n' +
  'EJ-2025-006;2025;PRINC;55203253400646;douze;;;\n';

test('CSV: separators, quotes, line numbers, Windows-1252', () => {
  const parsed = parseCsv(TIERS_1252);
  assert.equal(parsed.encoding, 'windows-1252');
  assert.equal(parsed.records[0]!.fields.nom, 'Société Générale');
  const quoted = parseCsv('a;b\n"x\ny";2\n3;4\n');
  assert.deepEqual(quoted.records.map((r) => [r.line, r.fields.a]), [[2, 'x\ny'], [4, '3']]);
});

test('imports budgets, tiers and engagements idempotently, naming rejected lines', (t) =>
  forEachDatabase(t, async (context) => {
    const { db } = context.store;
    const tenantId = await insertTenant(db);
    const budgets = await importCsv(db, tenantId, 'budgets', Buffer.from(BUDGETS));
    assert.deepEqual(budgets, { created: 2, updated: 0, unchanged: 0, rejected: [{ line: 4, reason: 'siret « 123 » : un SIRET a 14 chiffres' }] });
    const tiers = await importCsv(db, tenantId, 'tiers', TIERS_1252);
    assert.equal(tiers.created, 2);
    const engagements = await importCsv(db, tenantId, 'engagements', Buffer.from(ENGAGEMENTS));
    assert.equal(engagements.created, 2);
    assert.deepEqual(
      engagements.rejected.map((r) => r.line),
      [4, 5, 6, 7],
    );
    assert.match(engagements.rejected[0]!.reason, /budget « INCONNU » inconnu/);
    assert.match(engagements.rejected[2]!.reason, /tiers SIRET 99999999999999 inconnu/);
    assert.match(engagements.rejected[3]!.reason, /montant « douze »/);

    const again = await importCsv(db, tenantId, 'engagements', Buffer.from(ENGAGEMENTS));
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2]);
    const changed = await importCsv(db, tenantId, 'engagements', Buffer.from(ENGAGEMENTS.replace('2400.50', '2500')));
    assert.deepEqual([changed.created, changed.updated, changed.unchanged], [0, 1, 1]);

    const row = await db.selectFrom('engagements').selectAll().where('numero', '=', 'EJ-2025-001').executeTakeFirstOrThrow();
    assert.equal(row.amount_ttc_cents, 150000);
    assert.equal(row.amount_ht_cents, 125000);
    assert.equal(row.numero_normalized, 'EJ2025001');
    assert.equal(row.objet, 'Entretien; voirie');
    const exercices = await db.selectFrom('exercices').select(['year', 'open']).execute();
    assert.deepEqual(exercices, [{ year: 2025, open: 1 }, { year: 2025, open: 1 }]);
    const societe = await db.selectFrom('tiers').selectAll().where('siret', '=', '73282932000074').executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(societe.ibans_json), ['FR7630006000011234567890189']);

    const json = await importJson(db, tenantId, 'tiers', [{ siret: '55203253400646', nom: 'ACME SA', iban: ['FR7610107001011234567890129'] }, 'x']);
    assert.deepEqual(json, { created: 0, updated: 1, unchanged: 0, rejected: [{ line: 2, reason: 'un objet est attendu' }] });
    const missing = await importCsv(db, tenantId, 'tiers', 'siret;name\n1;2\n');
    assert.match(missing.rejected[0]!.reason, /colonnes obligatoires absentes : nom/);
  }));
