// Search and matching benchmark: generates N invoices (direct batched inserts of invoices and their
// search rows, as indexInvoice would write them), then prints p50/p95 of 20 representative queries
// (text, filters, facets, deep pages) on SQLite and PostgreSQL, and the matching throughput.
//   npm run bench:search                         100 000 invoices, both databases
//   npm run bench:search -- --sizes 100000,1000000 --dialects sqlite
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { runMatching } from '../src/app/match/run.ts';
import { buildDocument, sortKey } from '../src/app/search/normalize.ts';
import { searchInvoices, type SearchQuery } from '../src/app/search/search.ts';
import { newId } from '../src/domain/ids.ts';
import { EngagementNumberIndex, matchInvoice, type MatchEngagement } from '../src/domain/matching/index.ts';
import type { Dialect } from '../src/store/db.ts';
import type { Database } from '../src/store/schema.ts';
import { createTestDatabase } from '../test/helpers/databases.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000' },
    dialects: { type: 'string', default: 'sqlite,postgres' },
    runs: { type: 'string', default: '15' },
    'match-invoices': { type: 'string', default: '5000' },
    /** Keep the generated SQLite database (prints its directory) to study query plans. */
    keep: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes!.split(',').map(Number);
const DIALECTS = values.dialects!.split(',') as Dialect[];
const RUNS = Number(values.runs);

// Deterministic pseudo-random data.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)]!;

const WORDS_A = ['Électricité', 'Boulangerie', 'Société', 'Transports', 'Bâtiment', 'Équipements', 'Fournitures', 'Papeterie', 'Informatique', 'Espaces verts', 'Travaux', 'Nettoyage', 'Restauration', 'Sécurité', 'Chauffage'];
const WORDS_B = ['Générale', 'de Bretagne', 'du Léman', 'Lefèvre', 'Dupont', 'Moreau', 'des Alpes', 'Océane', 'Méditerranée', 'Martin', 'Bernard', 'Petit', 'Durand', 'Leroy', 'Rousseau'];
const LINE_WORDS = ['fourniture', 'prestation', 'maintenance', 'entretien', 'réparation', 'livraison', 'location', 'abonnement', 'consommation', 'intervention', 'crèche', 'école', 'mairie', 'gymnase', 'piscine', 'voirie', 'éclairage', 'février', 'août', 'déchets'];
// A long tail of rarer words, so that text queries range from rare to common.
const RARE = Array.from({ length: 5000 }, (_, i) => `mot${i.toString(36)}x`);
const STATUSES = ['received', 'received', 'received', 'to_process', 'service_fait', 'mandated', 'paid', 'paid', 'suspended', 'rejected'];
const CHORUS = ['MISE_A_DISPOSITION', 'SERVICE_FAIT', 'MANDATEE', 'MISE_EN_PAIEMENT', 'SUSPENDUE', 'REJETEE'];
const MATCH = ['pending', 'matched', 'confirmed', 'suggested', 'none'];
const ANOMALIES = ['', '', '', '', '', '', '', ' duplicate ', ' iban_unknown ', ' unknown_supplier ', ' engagement_exhausted '];
const SUPPLIERS = Array.from({ length: 5000 }, (_, i) => ({
  siret: String(30000000000000 + i * 7919),
  name: `${pick(WORDS_A)} ${pick(WORDS_B)} ${i}`,
}));

/** The invoice number the generator gives the i-th of `count` invoices (the "text number" query asks for one). */
function invoiceNumber(i: number, count: number): string {
  return `FA-${receivedOf(i, count).slice(0, 4)}-${String(i).padStart(7, '0')}`;
}

function receivedOf(i: number, count: number): string {
  return day(Math.floor((i / count) * 3650));
}

function day(offset: number): string {
  const date = new Date(Date.UTC(2016, 0, 1) + offset * 86400000);
  return date.toISOString().slice(0, 10);
}

async function generate(db: Kysely<Database>, dialect: Dialect, tenantId: string, count: number): Promise<void> {
  const batch = 500; // 44 columns × 500 stays under SQLite’s 32 766 variables
  const started = performance.now();
  for (let start = 0; start < count; start += batch) {
    const invoices: Database['invoices'][] = [];
    const rows: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i += 1) {
      const supplier = SUPPLIERS[Math.floor(Math.pow(rand(), 2) * SUPPLIERS.length)]!;
      const id = newId();
      const received = receivedOf(i, count);
      const cents = 1000 + Math.floor(rand() * 5_000_000);
      const number = invoiceNumber(i, count);
      const engagement = `EJ-${received.slice(0, 4)}-${String(Math.floor(rand() * 20000)).padStart(5, '0')}`;
      const status = pick(STATUSES);
      const matchState = pick(MATCH);
      const anomaly = pick(ANOMALIES);
      const withoutMetadata = rand() < 0.03 ? 1 : 0;
      const lines = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${pick(LINE_WORDS)} ${pick(LINE_WORDS)} ${pick(RARE)}`);
      const pdfText = rand() < 0.3 ? Array.from({ length: 20 }, () => (rand() < 0.5 ? pick(LINE_WORDS) : pick(RARE))).join(' ') : null;
      const now = new Date().toISOString();
      invoices.push({
        id, tenant_id: tenantId, structure_id: null, chorus_id: i + 1, chorus_status: pick(CHORUS), chorus_status_at: now,
        deposited_at: `${received}T08:00:00Z`, made_available_at: `${received}T09:00:00Z`, chorus_service_code: null, status,
        format: 'UBL', profile: null, document_type: 'invoice', type_code: '380', number, issue_date: received, due_date: null,
        currency: 'EUR', buyer_reference: null, order_reference: engagement, contract_reference: null, seller_name: supplier.name,
        seller_siret: supplier.siret, seller_vat_id: null, buyer_siret: null, iban: null, amount_ht: null, amount_tva: null,
        amount_ttc: (cents / 100).toFixed(2), amount_payable: null, amount_ttc_cents: cents, without_metadata: withoutMetadata,
        model_json: null, pivot_sha256: null, original_sha256: null, pdf_sha256: null, quarantined: 0, quarantine_reason: null,
        history_only: 0, created_at: now, updated_at: now,
      });
      const matched = matchState === 'matched' || matchState === 'confirmed';
      const document = buildDocument([supplier.name, supplier.siret, number, engagement, ...lines, `facture_${i}.pdf`, pdfText]);
      rows.push({
        invoice_id: id, tenant_id: tenantId, status, chorus_status: invoices.at(-1)!.chorus_status, supplier_siret: supplier.siret,
        supplier_key: sortKey(supplier.name), supplier_name: supplier.name, number, amount_ttc_cents: cents, issue_date: received,
        received_date: received, without_metadata: withoutMetadata, document_type: 'invoice',
        budget_code: matched ? pick(['PRINC', 'EAU', 'ASSAINISSEMENT', 'TRANSPORTS']) : '', exercice: matched ? Number(received.slice(0, 4)) : 0,
        service_code: pick(['', 'VOIRIE', 'ECOLES', 'CULTURE', 'SPORTS']), match_state: matchState, engagement_numero: matched ? engagement : '',
        anomaly: anomaly === '' ? 0 : 1, anomaly_codes: anomaly, dgp_expiry: day(Math.floor((i / count) * 3650) + 30),
        // As dgp-hook.ts stores it: a paid invoice's delay is over, a suspended one frozen.
        dgp_state: status === 'paid' ? 'paid' : status === 'suspended' ? 'suspended' : 'running', document, indexed_at: now,
      });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('invoices').values(invoices).execute();
      if (dialect === 'postgres') {
        await trx.insertInto('invoice_search').values(rows.map((row) => ({ ...row, tsv: sql`to_tsvector('simple', ${row.document as string})` })) as never).execute();
      } else {
        // The FTS5 rows follow by the triggers of migration 0010.
        await trx.insertInto('invoice_search').values(rows as never).execute();
      }
    });
    if ((start / batch) % 200 === 199) process.stderr.write(`  ${start + batch} rows, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  if (dialect === 'postgres') await sql`vacuum analyze invoice_search`.execute(db);
  else await sql`analyze`.execute(db);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function cursorAt(db: Kysely<Database>, tenantId: string, column: 'received_date' | 'amount_ttc_cents' | 'supplier_key', direction: 'asc' | 'desc', offset: number): Promise<string> {
  const row = await db.selectFrom('invoice_search').select([column, 'seq']).where('tenant_id', '=', tenantId).orderBy(column, direction).orderBy('seq', direction).offset(offset).limit(1).executeTakeFirstOrThrow();
  return Buffer.from(JSON.stringify([row[column as 'seq'], Number(row.seq)])).toString('base64url');
}

async function benchDialect(dialect: Dialect, size: number): Promise<{ p50: number; p95: number; perQuery: Record<string, number> }> {
  const database = await createTestDatabase(dialect);
  try {
    const context = await database.open();
    const { db } = context.store;
    const tenantId = newId();
    const now = new Date().toISOString();
    await db.insertInto('tenants').values({ id: tenantId, name: 'Bench', siren: null, kind: 'commune', chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
    const t0 = performance.now();
    await generate(db, dialect, tenantId, size);
    console.log(`[${dialect} ${size}] generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const deep = Math.floor(size / 2);
    const queries: Record<string, SearchQuery> = {
      'all (facets from table)': {},
      'text supplier "electricite"': { text: 'electricite' },
      'text number': { text: invoiceNumber(Math.floor(size * 0.4), size) },
      'text rare word': { text: 'mot3kx' },
      'text 2 words accents': { text: 'Crèche FÉVRIER' },
      'text prefix "répar"': { text: 'répar' },
      'text + status': { text: 'piscine', filters: { status: ['received'] } },
      'status=suspended': { filters: { status: ['suspended'] } },
      'not matched, no anomaly': { filters: { matched: false, anomaly: false } },
      'budget+exercice': { filters: { budget: 'EAU', exercice: 2021 } },
      'supplier SIRET': { filters: { supplier: SUPPLIERS[10]!.siret } },
      'supplier name prefix': { filters: { supplier: 'boulangerie lef' } },
      'amount range': { filters: { amountMin: '1000', amountMax: '1100' } },
      'received month': { filters: { receivedFrom: '2019-03-01', receivedTo: '2019-03-31' } },
      'sans métadonnée': { filters: { withoutMetadata: true } },
      'anomaly=duplicate': { filters: { anomaly: 'duplicate' } },
      'DGP risk': { filters: { dgpRiskDays: 5 }, today: '2025-12-01' },
      'deep page, received': { after: await cursorAt(db, tenantId, 'received_date', 'desc', deep), facets: false },
      'deep page, amount': { sort: 'amount', after: await cursorAt(db, tenantId, 'amount_ttc_cents', 'desc', deep), facets: false },
      'deep page, supplier': { sort: 'supplier', after: await cursorAt(db, tenantId, 'supplier_key', 'asc', deep), facets: false },
    };
    const all: number[] = [];
    const perQuery: Record<string, number> = {};
    for (const [name, query] of Object.entries(queries)) {
      const times: number[] = [];
      let total = '';
      for (let run = 0; run <= RUNS; run += 1) {
        const start = performance.now();
        const result = await searchInvoices(context.store, tenantId, { limit: 50, ...query });
        const elapsed = performance.now() - start;
        total = `${result.totalIsApproximate ? '≥' : ''}${result.total}`;
        if (run > 0) times.push(elapsed); // the first run warms the caches
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      perQuery[name] = percentile(times, 50);
      console.log(`  ${name.padEnd(30)} total ${total.padStart(8)}  p50 ${percentile(times, 50).toFixed(1).padStart(7)} ms  p95 ${percentile(times, 95).toFixed(1).padStart(7)} ms`);
    }
    all.sort((a, b) => a - b);
    const summary = { p50: percentile(all, 50), p95: percentile(all, 95), perQuery };
    console.log(`[${dialect} ${size}] all queries: p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms`);
    return summary;
  } finally {
    if (values.keep && dialect === 'sqlite') console.log(`  kept ${database.dataDir}`);
    else await database.dispose();
  }
}

/** Matching throughput: the pure domain over synthetic inputs, then runMatching over the store. */
async function benchMatching(): Promise<void> {
  const engagements: MatchEngagement[] = Array.from({ length: 20000 }, (_, i) => ({
    id: `e${i}`, numero: `EJ-2025-${String(i).padStart(5, '0')}`, exercice: 2025,
    budget: { id: 'b', code: 'PRINC', vatRegime: 'TTC', siret: '21350001800013' },
    tiers: { id: `t${i % 5000}`, siret: SUPPLIERS[i % 5000]!.siret, siren: null, name: SUPPLIERS[i % 5000]!.name, ibans: [] },
    serviceCode: null, chorusServiceCodes: [], marche: null, objet: null, status: 'open',
    amountTtcCents: 1_000_000, amountHtCents: null, remainingTtcCents: 1_000_000, remainingHtCents: null, exerciceOpen: true,
  }));
  const index = new EngagementNumberIndex(engagements);
  const count = 100_000;
  const start = performance.now();
  let matched = 0;
  for (let i = 0; i < count; i += 1) {
    const e = engagements[i % engagements.length]!;
    const reference = i % 10 === 0 ? e.numero.replace(/(\d)(\d)$/, '$2$1') : e.numero;
    const result = matchInvoice({
      invoice: { id: `i${i}`, documentType: 'invoice', number: `F${i}`, issueDate: '2025-01-01', sellerSiret: e.tiers!.siret, sellerName: null, buyerSiret: null, serviceCode: null, orderReference: reference, contractReference: null, iban: null, amountHt: null, amountTva: null, amountTtc: '1200.00', precedingInvoices: [], withoutMetadata: false },
      receivedAt: null, chorusId: i, tiers: e.tiers, numberHits: index.find(reference),
      tiersEngagements: engagements.filter((_, k) => k % 5000 === i % 5000), siblings: [],
    });
    if (result.status === 'matched') matched += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`[matching, pure] ${count} invoices in ${seconds.toFixed(2)} s: ${Math.round(count / seconds)} invoices/s (${matched} matched)`);

  for (const dialect of DIALECTS) {
    const database = await createTestDatabase(dialect);
    try {
      const context = await database.open();
      const { db } = context.store;
      const tenantId = newId();
      const now = new Date().toISOString();
      await db.insertInto('tenants').values({ id: tenantId, name: 'Bench', siren: null, kind: 'commune', chorus_connection_encrypted: null, created_at: now, updated_at: now }).execute();
      await db.insertInto('budgets').values({ id: 'b', tenant_id: tenantId, code: 'PRINC', label: 'Principal', siret: '21350001800013', vat_regime: 'TTC', nomenclature: null, codcol: null, codbud: null, idpost: null, created_at: now, updated_at: now }).execute();
      for (let at = 0; at < 5000; at += 500) {
        await db.insertInto('tiers').values(SUPPLIERS.slice(at, at + 500).map((s, k) => ({ id: `t${at + k}`, tenant_id: tenantId, siret: s.siret, siren: null, vat_id: null, name: s.name, address: null, ibans_json: '[]', created_at: now, updated_at: now }))).execute();
      }
      for (let at = 0; at < engagements.length; at += 500) {
        await db.insertInto('engagements').values(engagements.slice(at, at + 500).map((e) => ({ id: e.id, tenant_id: tenantId, numero: e.numero, numero_normalized: e.numero.replace(/-/g, ''), exercice: 2025, budget_id: 'b', tiers_id: e.tiers!.id, service_code: null, section: null, chapitre: null, nature: null, fonction: null, operation: null, objet: null, marche: null, amount_ttc_cents: 1_000_000, amount_ht_cents: null, liquidated_ttc_cents: 0, liquidated_ht_cents: 0, status: 'open', created_at: now, updated_at: now }))).execute();
      }
      await generate(db, dialect, tenantId, Number(values['match-invoices']));
      const started = performance.now();
      const results = await runMatching(context.store, tenantId);
      const seconds2 = (performance.now() - started) / 1000;
      console.log(`[matching, ${dialect} store] ${results.length} pending invoices matched, stored, audited and reindexed in ${seconds2.toFixed(1)} s: ${Math.round(results.length / seconds2)} invoices/s`);
    } finally {
      await database.dispose();
    }
  }
}

const summaries: string[] = [];
for (const size of SIZES) {
  for (const dialect of DIALECTS) {
    const summary = await benchDialect(dialect, size);
    summaries.push(`${dialect.padEnd(8)} ${String(size).padStart(8)} invoices: p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms`);
  }
}
await benchMatching();
console.log('\nSummary');
for (const line of summaries) console.log(`  ${line}`);
