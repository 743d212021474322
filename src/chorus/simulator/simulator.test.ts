// The simulator against the reference material: fixture field names and nesting, pivot files valid
// against the shared XSD, arithmetically consistent seeded documents, deterministic seed, control
// hooks and persistence.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import yauzl from 'yauzl';
import { Decimal } from '../../domain/money.ts';
import { isValidSiret } from '../../domain/invoice.ts';
import { createChorusClient, type ChorusClient } from '../client.ts';
import { isValidIban } from './identifiers.ts';
import { generateDataset, seedReferential, startChorusSimulator, type ChorusSimulator } from './index.ts';
import { embeddedInvoiceXml } from './deposit.ts';

const REFERENCE = path.resolve(import.meta.dirname, '../../../../shared/reference/chorus-pro');
const FIXTURES = path.join(REFERENCE, 'fixtures');
const PIVOT_XSD = path.join(REFERENCE, 'pivot-xsd/CPPFacturePivot_V2_02.xsd');

let sim: ChorusSimulator;
let client: ChorusClient;

before(async () => {
  sim = await startChorusSimulator({ port: 0, invoices: 400, seed: 'simulator-tests', referenceDate: '2026-12-10' });
  client = createChorusClient({ apiUrl: sim.url, tokenUrl: sim.tokenUrl, ...sim.credentials, retryBaseDelayMs: 5 });
});
after(async () => {
  await sim.close();
});

/** Every key path of `reference` must exist in `actual` with the same kind (object / array / scalar). */
function assertShape(reference: unknown, actual: unknown, where: string): void {
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar');
  if (kind(reference) === 'scalar') {
    assert.equal(kind(actual), 'scalar', `${where}: expected a scalar`);
    if (reference !== null && actual !== null) assert.equal(typeof actual, typeof reference, `${where}: expected a ${typeof reference}`);
    return;
  }
  assert.equal(kind(actual), kind(reference), `${where}: expected ${kind(reference)}`);
  if (Array.isArray(reference)) {
    assert.ok((actual as unknown[]).length > 0, `${where}: empty array, cannot compare items`);
    assertShape(reference[0], (actual as unknown[])[0], `${where}[0]`);
    return;
  }
  for (const [key, value] of Object.entries(reference as Record<string, unknown>)) {
    assert.ok(key in (actual as Record<string, unknown>), `${where}.${key} is missing`);
    assertShape(value, (actual as Record<string, unknown>)[key], `${where}.${key}`);
  }
}

function fixture(name: string): unknown {
  // Rechercher-facture-par-recipiendaire.json writes a number with a leading zero (not JSON).
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8').replace(/:\s*0+(\d)/g, ': $1'));
}

function cpro(pathname: string, body: unknown) {
  return client.post<{ codeRetour: number; libelle: string } & Record<string, unknown>>(pathname, body);
}

describe('fixtures: field names and nesting', () => {
  test('CPPListeFactures.json ⊆ rechercher/recipiendaire', async () => {
    assertShape(fixture('CPPListeFactures.json'), await client.rechercherFactureParRecipiendaire({}), 'listeFactures');
  });

  test('CPPHistoStatutFacture.json ⊆ consulter/historique (date format "YYYY-MM-DD HH:mm")', async () => {
    const [first] = (await client.rechercherFactureParRecipiendaire({})).listeFactures;
    const history = await client.consulterHistoriqueFacture(first?.idFacture as number);
    assertShape(fixture('CPPHistoStatutFacture.json'), history, 'historique');
    assert.match(history.historiquesDesStatuts.histoStatut[0]?.histoStatutDatePassage ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  test('CPPResultStatutOK.json ⊆ traiter/recue success, CPPResultStatutKO.json = its 20002 error', async () => {
    const [invoice] = (await client.rechercherFactureParRecipiendaire({ statutCourant: 'MISE_A_DISPOSITION' })).listeFactures;
    const ok = await cpro('/cpro/factures/v1/traiter/recue', { idFacture: invoice?.idFacture, nouveauStatut: 'SUSPENDUE', motif: 'Document manquant' });
    assertShape(fixture('CPPResultStatutOK.json'), ok, 'traiter');
    const ko = (await fetch(`${sim.url}/cpro/factures/v1/traiter/recue`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await client.getToken()).accessToken}`,
        'cpro-account': Buffer.from(`${sim.credentials.login}:${sim.credentials.password}`).toString('base64'),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ idFacture: invoice?.idFacture, nouveauStatut: 'MANDATEE' }),
    }).then((r) => r.json())) as unknown;
    assert.deepEqual(ko, fixture('CPPResultStatutKO.json'));
  });

  test('the PascalCase request fixtures are accepted (old examples), the output fixture matches case-insensitively', async () => {
    const search = fixture('Rechercher-facture-par-recipiendaire.json');
    const searched = await client.rechercherFactureParRecipiendaire(search as never);
    assert.ok([0, 20000].includes(searched.codeRetour));
    const [invoice] = (await client.rechercherFactureParRecipiendaire({ statutCourant: 'MISE_A_DISPOSITION' })).listeFactures;
    const request = { ...(fixture('Traiter-facture-recue.json') as Record<string, unknown>), IdFacture: invoice?.idFacture };
    const processed = await cpro('/cpro/factures/v1/traiter/recue', request);
    assert.equal(processed.nouveauStatut, 'REJETEE');
    const output = fixture('Traiter-facture-recue-output.json') as Record<string, unknown>;
    const lowered = Object.fromEntries(Object.entries(output).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]));
    assertShape(lowered, processed, 'traiter (PascalCase fixture)');
    // Traiter-facture-recue-output-error.json is the legacy {retourFonctionnel} envelope: API.md says
    // to emit only the modern {codeRetour, libelle} one, so unknown invoices answer that way.
    const unknown = await cpro('/cpro/factures/v1/traiter/recue', { idFacture: 1, nouveauStatut: 'REJETEE', motif: 'x' }).catch((error: unknown) => error as { codeRetour: number; libelle: string });
    assert.equal(unknown.codeRetour, 20004);
    assert.match(unknown.libelle, /inconnue du système/);
  });
});

function xmllint(file: string): { status: number | null; output: string } {
  const result = spawnSync('xmllint', ['--noout', '--schema', PIVOT_XSD, file], { encoding: 'utf8' });
  if (result.error) throw new Error(`xmllint is required for the pivot XSD tests (apt-get install libxml2-utils): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function unzip(buffer: Buffer): Promise<{ name: string; content: Buffer }[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, archive) => {
      if (error || !archive) return reject(error);
      const entries: { name: string; content: Buffer }[] = [];
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.push({ name: entry.fileName, content: Buffer.concat(chunks) });
            archive.readEntry();
          });
        });
      });
      archive.on('end', () => resolve(entries));
      archive.readEntry();
    });
  });
}

describe('pivot and PDF downloads', () => {
  test('pivot files of every form validate against CPPFacturePivot_V2_02.xsd; originals are PJ 01, attachments 02', async () => {
    assert.equal(xmllint(path.join(FIXTURES, 'facture_1221.xml')).status, 0, 'the XSD check works on the fixture');
    const invoices = [...sim.state.invoices.values()];
    const pick = (predicate: (i: (typeof invoices)[number]) => boolean) => invoices.find(predicate)?.idFacture;
    const ids = [
      pick((i) => i.form === 'UBL' && i.typeFacture === 'FACTURE' && !i.malformed),
      pick((i) => i.form === 'CII' && !i.malformed),
      pick((i) => i.form === 'FACTURX' && i.attachments.length > 0 && !i.malformed),
      pick((i) => i.form === 'PDF'),
      pick((i) => i.typeFacture === 'AVOIR'),
      pick((i) => i.malformed !== null),
      pick((i) => i.serviceId === null),
      pick((i) => i.vat.some((v) => v.category === 'E')),
    ].filter((id): id is number => id !== undefined);
    assert.ok(ids.length >= 7, `found ${ids.length} kinds`);
    const pivot = await client.telechargerGroupeFacture({ format: 'PIVOT', idFactures: ids });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-pivot-')), 'pivot.xml');
    fs.writeFileSync(file, pivot);
    const result = xmllint(file);
    assert.equal(result.status, 0, result.output);
    const xml = pivot.toString('utf8');
    assert.equal((xml.match(/<CPPFacturePivotUnitaire /g) ?? []).length, ids.length);
    const facturx = sim.state.invoices.get(ids[2] as number);
    const unitXml = xml.split('<CPPFacturePivotUnitaire ').find((part) => part.includes(`<IdCPRO>${facturx?.idFacture}</IdCPRO>`)) ?? '';
    const types = [...unitXml.matchAll(/<TypePJ>(\d\d)<\/TypePJ>/g)].map((m) => m[1]);
    assert.deepEqual(types, ['01', ...(facturx?.attachments.map(() => '02') ?? [])]);
    const contenu = /<Contenu>([^<]+)<\/Contenu>/.exec(unitXml)?.[1] as string;
    const [original] = await unzip(Buffer.from(contenu, 'base64'));
    assert.equal(original?.content.subarray(0, 5).toString(), '%PDF-');
    const embedded = await embeddedInvoiceXml(original?.content as Buffer);
    assert.match(embedded ?? '', /<rsm:CrossIndustryInvoice/);
    const raw = original?.content.toString('latin1') ?? '';
    assert.match(raw, /\/AFRelationship \/Alternative/);
    assert.match(raw, /\/AF \d+ 0 R|\/AF \[/);
    assert.match(raw, /\/EmbeddedFiles/);
  });

  test('PDF: one invoice → a PDF; with attachments → a ZIP; several invoices → a ZIP with one folder each', async () => {
    const withAttachments = [...sim.state.invoices.values()].find((i) => i.attachments.length > 0 && !i.malformed);
    const plain = [...sim.state.invoices.values()].find((i) => i.attachments.length === 0 && i.form === 'UBL' && !i.malformed);
    assert.ok(withAttachments && plain);
    const single = await client.telechargerGroupeFacture({ format: 'PDF', idFactures: [plain.idFacture] });
    assert.equal(single.subarray(0, 5).toString(), '%PDF-');
    const zipped = await unzip(await client.telechargerGroupeFacture({ format: 'PDF', idFactures: [withAttachments.idFacture], avecPiecesJointesComplementaires: true }));
    assert.equal(zipped.length, 1 + withAttachments.attachments.length);
    const group = await unzip(await client.telechargerGroupeFacture({ format: 'PDF', idFactures: [plain.idFacture, withAttachments.idFacture] }));
    assert.deepEqual(new Set(group.map((entry) => entry.name.split('/')[0])), new Set([String(plain.idFacture), String(withAttachments.idFacture)]));
  });
});

describe('seeded data', () => {
  test('same seed → same data; valid SIRETs, IBANs; EN 16931 sums hold exactly', () => {
    const a = generateDataset({ seed: 'x', invoices: 300, referenceDate: '2026-12-10' });
    const b = generateDataset({ seed: 'x', invoices: 300, referenceDate: '2026-12-10' });
    assert.deepEqual(a, b);
    assert.notDeepEqual(generateDataset({ seed: 'y', invoices: 50, referenceDate: '2026-12-10' }).invoices, a.invoices.slice(0, 50));
    assert.equal(a.structures.length, 3);
    assert.ok(a.suppliers.length >= 30);
    for (const s of [...a.structures.map((x) => x.siret), ...a.suppliers.map((x) => x.siret)]) assert.ok(isValidSiret(s), `SIRET ${s}`);
    for (const s of a.suppliers) assert.ok(isValidIban(s.iban), `IBAN ${s.iban}`);
    const rates = new Set<string>();
    const statuses = new Set<string>();
    for (const invoice of a.invoices) {
      const sum = (values: string[]) => values.reduce((total, v) => total.add(Decimal.parse(v)), Decimal.ZERO);
      assert.ok(sum(invoice.lines.map((l) => l.netAmount)).eq(Decimal.parse(invoice.totals.ht)), 'BR-CO-10');
      assert.ok(sum(invoice.vat.map((v) => v.amount)).eq(Decimal.parse(invoice.totals.tva)), 'BR-CO-14');
      assert.ok(Decimal.parse(invoice.totals.ht).add(Decimal.parse(invoice.totals.tva)).eq(Decimal.parse(invoice.totals.ttc)), 'BR-CO-15');
      for (const line of invoice.lines) assert.ok(Decimal.parse(line.quantity).mul(Decimal.parse(line.unitPrice)).round(2).eq(Decimal.parse(line.netAmount)));
      for (const v of invoice.vat) rates.add(v.rate);
      statuses.add(invoice.statut);
      assert.ok(invoice.dateFacture >= '2025-01-01' && invoice.dateFacture < '2026-12-10');
      assert.equal(invoice.dateHeureEtatCourant, invoice.history.at(-1)?.at);
    }
    for (const rate of ['20', '10', '5.5', '2.1', '0']) assert.ok(rates.has(rate), `VAT ${rate}`);
    for (const status of ['MISE_A_DISPOSITION', 'SUSPENDUE', 'COMPLETEE', 'A_RECYCLER', 'MANDATEE']) assert.ok(statuses.has(status), status);
    assert.ok(a.invoices.some((i) => i.typeFacture === 'AVOIR' && i.numeroFactureOrigine));
    assert.ok(a.invoices.some((i) => i.dateFacture.startsWith('2025')) && a.invoices.some((i) => i.dateFacture.startsWith('2026')));
  });

  test('the referential lists suppliers, engagements and every planted anomaly', () => {
    const referential = seedReferential('x', 300, '2026-12-10');
    assert.equal(referential.budgets.length, 3);
    assert.ok(referential.engagements.length > 50);
    const kinds = new Set(referential.anomalies.flatMap((a) => a.anomalies));
    for (const kind of ['duplicate', 'changed-iban', 'ht-ttc-confusion', 'unknown-supplier', 'exhausted-engagement', 'credit-note-without-original', 'engagement-typo']) {
      assert.ok(kinds.has(kind as never), `anomaly ${kind}`);
    }
    const suppliers = new Set(referential.suppliers.map((s) => s.siret));
    for (const a of referential.anomalies) {
      if (a.anomalies.includes('unknown-supplier')) assert.ok(!suppliers.has(a.supplierSiret));
      if (a.anomalies.includes('changed-iban')) assert.ok(referential.suppliers.find((s) => s.siret === a.supplierSiret)?.iban !== a.invoiceIban);
      if (a.anomalies.includes('engagement-typo')) assert.ok(!referential.engagements.some((e) => e.numero === a.numeroBonCommande));
    }
  });

  test('malformed originals are really broken', async () => {
    const broken = [...sim.state.invoices.values()].filter((i) => i.malformed);
    assert.ok(broken.length > 0);
    for (const invoice of broken.slice(0, 3)) {
      const pivot = (await client.telechargerGroupeFacture({ format: 'PIVOT', idFactures: [invoice.idFacture] })).toString('utf8');
      const [original] = await unzip(Buffer.from(/<Contenu>([^<]+)<\/Contenu>/.exec(pivot)?.[1] as string, 'base64'));
      if (invoice.malformed === 'truncated-xml') assert.ok(!original?.content.toString('utf8').trimEnd().endsWith('>') || !original?.content.toString('utf8').includes('</Invoice>'));
      else assert.ok(!original?.content.toString('latin1').includes('%%EOF'));
    }
  });
});

describe('control hooks', () => {
  const post = (pathname: string, body: unknown) =>
    fetch(`${sim.url}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('deposit a UBL, a Factur-X and a PDF-only invoice; they come out in searches', async () => {
    const seeded = [...sim.state.invoices.values()];
    const ubl = seeded.find((i) => i.form === 'UBL' && !i.malformed && i.serviceId !== null) as (typeof seeded)[number];
    const pivot = (await client.telechargerGroupeFacture({ format: 'PIVOT', idFactures: [ubl.idFacture] })).toString('utf8');
    const [ublFile] = await unzip(Buffer.from(/<Contenu>([^<]+)<\/Contenu>/.exec(pivot)?.[1] as string, 'base64'));
    const changed = Buffer.from((ublFile?.content.toString('utf8') ?? '').replace(`<cbc:ID>${ubl.numeroFacture}</cbc:ID>`, '<cbc:ID>DEP-UBL-1</cbc:ID>'));
    const response = await post('/_sim/deposit', { filename: 'depot.xml', contentBase64: changed.toString('base64') });
    assert.equal(response.status, 201, await response.clone().text());
    const deposited = (await response.json()) as { idFacture: number; statut: string; form: string };
    assert.equal(deposited.statut, 'MISE_A_DISPOSITION');
    assert.equal(deposited.form, 'UBL');
    const [found] = (await client.rechercherFactureParRecipiendaire({ numeroFacture: 'DEP-UBL-1' })).listeFactures;
    assert.equal(found?.montantTTC, Number(ubl.totals.ttc));
    assert.equal(found?.codeServiceExecutant, sim.state.contextOf(ubl).service?.codeService);

    const fx = seeded.find((i) => i.form === 'FACTURX' && !i.malformed) as (typeof seeded)[number];
    const pdf = await client.telechargerGroupeFacture({ format: 'PDF', idFactures: [fx.idFacture] });
    const raw = await fetch(`${sim.url}/_sim/deposit?filename=fx.pdf`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) });
    assert.equal(raw.status, 201, await raw.clone().text());
    assert.equal(((await raw.json()) as { form: string }).form, 'FACTURX');

    const structure = [...sim.state.structures.values()][0];
    const plainPdf = seeded.find((i) => i.form === 'PDF' && !i.malformed) as (typeof seeded)[number];
    const scan = await client.telechargerGroupeFacture({ format: 'PDF', idFactures: [plainPdf.idFacture] });
    const pdfOnly = await post('/_sim/deposit', {
      filename: 'scan.pdf',
      contentBase64: scan.toString('base64'),
      metadata: { numeroFacture: 'SCAN-1', supplierSiret: ubl && sim.state.contextOf(ubl).supplier.siret, structureSiret: structure?.siret, montantHT: '100.00', montantTTC: '120.00' },
    });
    assert.equal(pdfOnly.status, 201, await pdfOnly.clone().text());
    assert.equal(((await pdfOnly.json()) as { form: string }).form, 'PDF');
    const bad = await post('/_sim/deposit', { filename: 'x.txt', contentBase64: Buffer.from('hello').toString('base64') });
    assert.equal(bad.status, 400);
  });

  test('supplier completes a SUSPENDUE invoice and recycles an A_RECYCLER one (same idFacture); Hélios pushes its statuses', async () => {
    const [invoice, other] = (await client.rechercherFactureParRecipiendaire({ statutCourant: 'MISE_A_DISPOSITION', paramRecherche: { nbResultatsParPage: 2 } })).listeFactures;
    assert.ok(invoice && other);
    await client.traiterFactureRecue({ idFacture: invoice.idFacture, nouveauStatut: 'SUSPENDUE', motif: 'PV manquant' });
    assert.equal((await post(`/_sim/invoices/${invoice.idFacture}/completer`, {})).status, 200);
    assert.equal((await client.consulterFactureParRecipiendaire(invoice.idFacture)).facture.statutFacture, 'COMPLETEE');
    const toProcess = [];
    for (let page = 1; ; page += 1) {
      const result = await client.rechercherFactureATraiterParRecipiendaire({ parametreRechercheFactureATraiterParRecipiendaire: { pageResultatDemandee: page, nbResultatsParPage: 100 } });
      toProcess.push(...result.listeFactures);
      if (page >= (result.pages ?? 1)) break;
    }
    assert.ok(toProcess.some((f) => f.idFacture === invoice.idFacture && f.statut === 'COMPLETEE'));

    await client.traiterFactureRecue({ idFacture: other.idFacture, nouveauStatut: 'A_RECYCLER', motif: 'Mauvais service' });
    const recycled = await post(`/_sim/invoices/${other.idFacture}/recycler`, { serviceCode: 'FINANCES', structureSiret: [...sim.state.structures.values()][0]?.siret });
    assert.equal(recycled.status, 200, await recycled.clone().text());
    const history = await client.consulterHistoriqueFacture(other.idFacture);
    assert.deepEqual(history.historiquesDesStatuts.histoStatut.slice(0, 4).map((h) => h.histoStatutCode), ['MISE_A_DISPOSITION', 'EN_COURS_ACHEMINEMENT', 'DEPOSEE', 'A_RECYCLER']);
    assert.equal((await client.consulterFactureParRecipiendaire(other.idFacture)).facture.destinataire.codeServiceExecutant, 'FINANCES');

    await client.traiterFactureRecue({ idFacture: other.idFacture, nouveauStatut: 'MANDATEE', numeroDPMandat: 'M-1' });
    assert.equal((await post(`/_sim/invoices/${other.idFacture}/helios`, { statut: 'MISE_A_DISPOSITION_COMPTABLE' })).status, 200);
    assert.equal((await post(`/_sim/invoices/${other.idFacture}/helios`, { statut: 'MISE_EN_PAIEMENT' })).status, 200);
    assert.equal((await post(`/_sim/invoices/${other.idFacture}/helios`, { statut: 'MISE_A_DISPOSITION_COMPTABLE' })).status, 409);
    assert.equal((await client.consulterHistoriqueFacture(other.idFacture)).statutCourantCode, 'MISE_EN_PAIEMENT');
  });

  test('faults can be set at runtime and invalid ones are refused', async () => {
    assert.equal((await post('/_sim/faults', { rate: 2 })).status, 400);
    assert.equal((await post('/_sim/faults', { bogus: 1 })).status, 400);
    const set = (await (await post('/_sim/faults', { latencyMs: 0, retryAfterSeconds: 2 })).json()) as { retryAfterSeconds: number };
    assert.equal(set.retryAfterSeconds, 2);
  });
});

test('state persists in --data-dir across restarts', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-sim-'));
  const first = await startChorusSimulator({ port: 0, invoices: 50, seed: 'persist', referenceDate: '2026-12-10', dataDir });
  const c = createChorusClient({ apiUrl: first.url, tokenUrl: first.tokenUrl, ...first.credentials });
  const [invoice] = (await c.rechercherFactureParRecipiendaire({ statutCourant: 'MISE_A_DISPOSITION' })).listeFactures;
  await c.traiterFactureRecue({ idFacture: invoice?.idFacture as number, nouveauStatut: 'SERVICE_FAIT' });
  await first.close();
  const second = await startChorusSimulator({ port: 0, invoices: 999, seed: 'ignored', dataDir });
  try {
    assert.equal(second.state.invoices.size, 50);
    assert.equal(second.state.invoices.get(invoice?.idFacture as number)?.statut, 'SERVICE_FAIT');
    assert.equal(second.state.posts.length, 1);
  } finally {
    await second.close();
  }
});

test('xmllint is installed (the pivot XSD tests depend on it)', () => {
  assert.doesNotThrow(() => execFileSync('xmllint', ['--version'], { stdio: 'ignore' }), 'xmllint is missing: apt-get install libxml2-utils');
});
