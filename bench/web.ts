// Web benchmark (issue #8):
// 1. the invoice list through the HTTP API at 100 000 invoices — p50/p95 of representative list
//    queries (first page with facets, text, filters, next pages, sorts), first alone, then while a
//    sync of another collectivité runs in the same process (as `liasse serve` runs its workers);
// 2. the first page load of the application on loopback in Chromium (cold browser context).
//   npm run bench:web                      100 000 invoices on SQLite
//   npm run bench:web -- --invoices 20000 --dialect postgres
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { chromium } from 'playwright-core';
import { type AppContext, openContextFromConfig } from '../src/app/context.ts';
import { buildDocument, sortKey } from '../src/app/search/normalize.ts';
import { loadSecretKey } from '../src/app/secrets.ts';
import { syncTenant } from '../src/app/sync/sync.ts';
import { createTenant } from '../src/app/tenants.ts';
import { startChorusSimulator } from '../src/chorus/simulator/index.ts';
import { loadConfig } from '../src/config.ts';
import { newId } from '../src/domain/ids.ts';
import { ensureUser } from '../src/http/demo-setup.ts';
import { startHttp } from '../src/http/start.ts';
import { ensureWebBuilt } from '../src/http/web-build.ts';
import type { Database } from '../src/store/schema.ts';
import { CHROMIUM, CHROMIUM_FLAGS, requireChromium } from '../test/e2e/harness.ts';
import { createTestDatabase } from '../test/helpers/databases.ts';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '100000' },
    dialect: { type: 'string', default: 'sqlite' },
    requests: { type: 'string', default: '300' },
    'sync-invoices': { type: 'string', default: '3000' },
    'skip-browser': { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.invoices);
const REQUESTS = Number(values.requests);

let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const NAMES = ['Électricité', 'Boulangerie', 'Transports', 'Bâtiment', 'Papeterie', 'Informatique', 'Espaces verts', 'Nettoyage', 'Restauration', 'Chauffage'];
const PLACES = ['de Bretagne', 'du Léman', 'Lefèvre', 'Dupont', 'Moreau', 'des Alpes', 'Océane', 'Martin', 'Durand', 'Rousseau'];
const WORDS = ['fourniture', 'prestation', 'maintenance', 'entretien', 'réparation', 'livraison', 'crèche', 'école', 'mairie', 'gymnase', 'voirie', 'éclairage'];
const STATUSES = ['received', 'received', 'to_process', 'service_fait', 'mandated', 'paid', 'paid', 'suspended', 'rejected'];
const SUPPLIERS = Array.from({ length: 3000 }, (_, i) => ({ siret: String(30000000000000 + i * 7919), name: `${pick(NAMES)} ${pick(PLACES)} ${i}` }));

function day(offset: number): string {
  return new Date(Date.UTC(2017, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

/** Invoices and their search rows written in batches, as the sync and indexInvoice would leave them. */
async function generate(context: AppContext, tenantId: string, count: number): Promise<void> {
  const { db, dialect } = context.store;
  for (let start = 0; start < count; start += 500) {
    const invoices: Database['invoices'][] = [];
    const rows: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(count, start + 500); i += 1) {
      const supplier = SUPPLIERS[Math.floor(rand() ** 2 * SUPPLIERS.length)]!;
      const received = day(Math.floor((i / count) * 3300));
      const cents = 1000 + Math.floor(rand() * 5_000_000);
      const number = `FA-${received.slice(0, 4)}-${String(i).padStart(7, '0')}`;
      const status = pick(STATUSES);
      const id = newId();
      const now = new Date().toISOString();
      invoices.push({
        id, tenant_id: tenantId, structure_id: null, chorus_id: 900_000_000 + i, chorus_status: 'MISE_A_DISPOSITION', chorus_status_at: now,
        deposited_at: `${received}T08:00:00Z`, made_available_at: `${received}T09:00:00Z`, chorus_service_code: null, status, format: 'UBL',
        profile: null, document_type: 'invoice', type_code: '380', number, issue_date: received, due_date: null, currency: 'EUR',
        buyer_reference: null, order_reference: null, contract_reference: null, seller_name: supplier.name, seller_siret: supplier.siret,
        seller_vat_id: null, buyer_siret: null, iban: null, amount_ht: null, amount_tva: null, amount_ttc: (cents / 100).toFixed(2),
        amount_payable: null, amount_ttc_cents: cents, without_metadata: 0, model_json: null, pivot_sha256: null, original_sha256: null,
        pdf_sha256: null, quarantined: 0, quarantine_reason: null, history_only: 0, created_at: now, updated_at: now,
      });
      rows.push({
        invoice_id: id, tenant_id: tenantId, status, chorus_status: 'MISE_A_DISPOSITION', supplier_siret: supplier.siret,
        supplier_key: sortKey(supplier.name), supplier_name: supplier.name, number, amount_ttc_cents: cents, issue_date: received,
        received_date: received, without_metadata: 0, document_type: 'invoice', budget_code: pick(['BP', 'BA1', 'BA2']),
        exercice: Number(received.slice(0, 4)), service_code: pick(['VOIRIE', 'ECOLES', 'CULTURE', '']), match_state: pick(['pending', 'matched', 'suggested']),
        engagement_numero: '', anomaly: 0, anomaly_codes: '', dgp_expiry: day(Math.floor((i / count) * 3300) + 30),
        document: buildDocument([supplier.name, supplier.siret, number, `${pick(WORDS)} ${pick(WORDS)}`]), indexed_at: now,
      });
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('invoices').values(invoices).execute();
      if (dialect === 'postgres') {
        await trx.insertInto('invoice_search').values(rows.map((row) => ({ ...row, tsv: sql`to_tsvector('simple', ${row.document as string})` })) as never).execute();
      } else {
        // The FTS5 rows follow by the triggers of migration 0010 (keyed by received date and seq).
        await trx.insertInto('invoice_search').values(rows as never).execute();
      }
    });
  }
  await sql.raw(dialect === 'postgres' ? 'analyze' : 'analyze').execute(db);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const database = await createTestDatabase(values.dialect === 'postgres' ? 'postgres' : 'sqlite');
  const context = await openContextFromConfig(loadConfig({ LIASSE_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl, LIASSE_LOG_LEVEL: 'silent' }));
  const simulator = await startChorusSimulator({ port: 0, host: '127.0.0.1', invoices: Number(values['sync-invoices']), seed: 'bench-web' });
  try {
    const secretKey = loadSecretKey(context.config);
    const tenant = await createTenant(context.store.db, { name: 'Ville de Benchmark' }, secretKey);
    const other = await createTenant(context.store.db, { name: 'Commune synchronisée', chorus: { apiUrl: simulator.url, tokenUrl: simulator.tokenUrl, ...simulator.credentials } }, secretKey);
    let started = performance.now();
    await generate(context, tenant.id, COUNT);
    console.log(`${values.dialect}: ${COUNT} invoices generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await ensureUser(context, tenant.id, 'bench', 'motdepasse-bench', 'valideur');
    const server = await startHttp(context, { port: 0, host: '127.0.0.1', workers: false, handleSignals: false, closeContext: false });
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: 'motdepasse-bench' }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const list = `${server.url}/api/tenants/${tenant.id}/invoices`;
    const get = async (query: string) => {
      const response = await fetch(`${list}${query}`, { headers: { cookie } });
      if (!response.ok) throw new Error(`${query}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { total: number; nextCursor: string | null };
    };
    const first = await get('?facets=false');
    const cursor = encodeURIComponent(first.nextCursor ?? '');
    // As the web app asks: the list without facets (items and total), the facet counts in a second request.
    const LIST_QUERIES = [
      '', // the inbox: newest first
      '?status=received',
      '?status=received&budget=BP&exercice=2024',
      '?q=boulangerie',
      '?q=entretien%20ecole',
      `?q=${SUPPLIERS[42]!.siret}`,
      '?supplier=Papeterie',
      '?amountMin=1000&amountMax=2000',
      '?sort=amount&direction=desc',
      '?sort=supplier&direction=asc&status=paid',
      `?after=${cursor}&facets=false`,
      '?issuedFrom=2020-01-01&issuedTo=2020-03-31',
    ];
    const queries = LIST_QUERIES.map((query) => (query.includes('facets=') ? query : `${query}${query ? '&' : '?'}facets=false`));
    const facetQueries = LIST_QUERIES.filter((query) => !query.includes('after=')).map((query) => `${query}${query ? '&' : '?'}limit=1`);
    const measure = async (label: string, queries: string[]): Promise<number[]> => {
      const times: number[] = [];
      const perQuery = new Map<string, number[]>();
      for (let i = 0; i < REQUESTS; i += 1) {
        const query = queries[i % queries.length]!;
        const begin = performance.now();
        await get(query);
        const elapsed = performance.now() - begin;
        times.push(elapsed);
        perQuery.set(query, [...(perQuery.get(query) ?? []), elapsed]);
      }
      times.sort((a, b) => a - b);
      for (const [query, list] of perQuery) {
        list.sort((a, b) => a - b);
        console.log(`    ${(query || '(inbox)').slice(0, 60).padEnd(60)} p50 ${percentile(list, 50).toFixed(1)} ms  max ${list.at(-1)!.toFixed(1)} ms`);
      }
      console.log(`${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (${REQUESTS} requests, total ${first.total})`);
      return times;
    };
    await measure('invoice list, idle', queries);
    await measure('facet counts (second request), idle', facetQueries);
    started = performance.now();
    let syncDone = false;
    const sync = syncTenant(context, other.id, { since: '2020-01-01' }).then((result) => {
      syncDone = true;
      console.log(`concurrent sync: ${result.new} invoices in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
    const during = await measure('invoice list, during a sync', queries);
    await measure('facet counts (second request), during a sync', facetQueries);
    if (syncDone) console.log('  (the sync ended before the measure: raise --sync-invoices for a longer overlap)');
    await sync;
    void during;

    if (values['skip-browser']) {
      await server.stop();
      return;
    }
    // First page load of the application in Chromium, cold context (no cache), five times.
    requireChromium();
    await ensureWebBuilt();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
    const loads: number[] = [];
    let bytes = 0;
    for (let run = 0; run < 5; run += 1) {
      const page = await browser.newPage();
      let transferred = 0;
      page.on('response', (response) => void response.body().then((body) => (transferred += body.length), () => undefined));
      const begin = performance.now();
      await page.goto(`${server.url}/`);
      await page.getByRole('button', { name: 'Se connecter' }).waitFor();
      loads.push(performance.now() - begin);
      bytes = transferred;
      await page.close();
    }
    loads.sort((a, b) => a - b);
    console.log(`first page load (login screen usable, cold context): median ${percentile(loads, 50).toFixed(0)} ms, worst ${loads.at(-1)!.toFixed(0)} ms, ${(bytes / 1024).toFixed(0)} KiB`);
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Identifiant').fill('bench');
    await page.getByLabel('Mot de passe').fill('motdepasse-bench');
    const begin = performance.now();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Factures à traiter par budget' }).waitFor();
    console.log(`dashboard after login at ${COUNT} invoices: ${(performance.now() - begin).toFixed(0)} ms`);
    const list2 = performance.now();
    await page.getByRole('link', { name: 'Factures', exact: true }).click();
    await page.locator('tbody tr').first().waitFor();
    console.log(`invoice list screen: ${(performance.now() - list2).toFixed(0)} ms`);
    await browser.close();
    await server.stop();
  } finally {
    await simulator.close();
    await context.close();
    await database.dispose();
  }
}

await main();
