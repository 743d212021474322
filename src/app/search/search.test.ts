import assert from 'node:assert/strict';
import test from 'node:test';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { runMatching } from '../match/run.ts';
import { importCsv } from '../referential/import.ts';
import { indexInvoice } from './index-invoice.ts';
import { parseFilters, searchInvoices, type SearchQuery, type SearchResult } from './search.ts';
import { insertInvoice, insertTenant } from './test-fixtures.ts';

const ACME = '73282932000074';
const results: Record<string, Record<string, unknown>> = {};

const QUERIES: Record<string, SearchQuery> = {
  all: {},
  accents: { text: 'ÉLECTRICITÉ fevrier' },
  prefix: { text: 'electr' },
  number: { text: 'fa-2025-0007' },
  line: { text: 'oeuvre' },
  attachment: { text: 'bon_livraison' },
  pdf: { text: 'creche' },
  status: { filters: { status: ['suspended'] } },
  supplierName: { filters: { supplier: 'élec' } },
  supplierSiret: { filters: { supplier: ACME } },
  amount: { filters: { amountMin: '100', amountMax: '1 000,00' } },
  dates: { filters: { receivedFrom: '2025-03-05', receivedTo: '2025-03-10' } },
  withoutMetadata: { filters: { withoutMetadata: true } },
  matched: { filters: { matched: true } },
  notMatched: { filters: { matched: false, anomaly: false } },
  anomaly: { filters: { anomaly: 'unknown_supplier' } },
  budget: { filters: { budget: 'PRINC', exercice: 2025 } },
  dgp: { filters: { dgpRiskDays: 3 }, today: '2025-04-01' },
  bySupplier: { sort: 'supplier', limit: 3 },
  byAmount: { sort: 'amount', direction: 'asc', limit: 4 },
  textOldestFirst: { text: 'electr', direction: 'asc', limit: 3 },
  textByAmount: { text: 'fourniture', sort: 'amount', limit: 3 },
  textFiltered: { text: 'electr', filters: { amountMin: '300' }, limit: 4 },
};

async function allPages(store: Parameters<typeof searchInvoices>[0], tenantId: string, query: SearchQuery): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  do {
    const page: SearchResult = await searchInvoices(store, tenantId, { ...query, limit: 3, after, facets: false });
    ids.push(...page.items.map((item) => item.number));
    after = page.nextCursor;
  } while (after);
  return ids;
}

test('search: text, filters, sorting, keyset pages and facets, identical on both databases', (t) =>
  forEachDatabase(t, async (context, database) => {
    const { db, dialect } = context.store;
    const tenantId = await insertTenant(db);
    await importCsv(db, tenantId, 'budgets', 'code;libelle;siret\nPRINC;Principal;21350001800013\n');
    await importCsv(db, tenantId, 'tiers', `siret;nom\n${ACME};Électricité de Bretagne\n`);
    await importCsv(db, tenantId, 'engagements', `numero;exercice;budget;siret_tiers;montant\nEJ-2025-001;2025;PRINC;${ACME};100000\n`);
    for (let i = 1; i <= 12; i += 1) {
      const day = String(i).padStart(2, '0');
      const acme = i % 3 !== 0;
      const row = await insertInvoice(db, tenantId, {
        number: `FA-2025-${String(i).padStart(4, '0')}`,
        seller_name: acme ? 'Électricité de Bretagne' : i === 6 ? 'Boulangerie Lefèvre' : 'Société Générale d’Équipements',
        seller_siret: acme ? ACME : `5520325340${String(i).padStart(4, '0')}`,
        order_reference: acme ? 'EJ-2025-001' : null,
        amount_ttc: `${i * 100}.00`,
        amount_ht: `${(i * 100) / 1.2}`.slice(0, 6),
        amount_tva: null,
        made_available_at: `2025-03-${day}T10:00:00Z`,
        issue_date: `2025-02-${String(28 - i).padStart(2, '0')}`,
        status: i === 4 ? 'suspended' : 'received',
        without_metadata: i === 9 ? 1 : 0,
        model_json: JSON.stringify({
          text: i === 6 ? 'Livraison à la crèche des Lilas' : i === 2 ? 'Consommation de février' : null,
          lines: [{ name: i === 5 ? 'Œuvre murale' : 'Fourniture', description: null, id: '1' }],
          attachments: i === 7 ? [{ filename: 'bon_livraison_07.pdf' }] : [],
        }),
      });
      await db.transaction().execute((trx) => indexInvoice(trx, dialect, row.id));
    }
    await runMatching(context.store, tenantId);

    const out: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(QUERIES)) {
      const result = await searchInvoices(context.store, tenantId, query);
      out[name] = { total: result.total, numbers: result.items.map((item) => item.number), facets: result.facets };
    }
    for (const name of ['all', 'accents', 'status', 'notMatched', 'bySupplier', 'prefix', 'textOldestFirst', 'textByAmount', 'textFiltered']) {
      out[`pages:${name}`] = await allPages(context.store, tenantId, QUERIES[name]!);
    }
    results[database.dialect] = out;

    const get = (name: string) => out[name] as { total: number; numbers: string[]; facets: SearchResult['facets'] };
    assert.equal(get('all').total, 12);
    assert.equal(get('all').numbers[0], 'FA-2025-0012', 'newest received first');
    assert.deepEqual(get('accents').numbers, ['FA-2025-0002']);
    assert.equal(get('prefix').total, 8);
    assert.deepEqual(get('number').numbers, ['FA-2025-0007']);
    assert.deepEqual(get('line').numbers, ['FA-2025-0005']);
    assert.deepEqual(get('attachment').numbers, ['FA-2025-0007']);
    assert.deepEqual(get('pdf').numbers, ['FA-2025-0006']);
    assert.deepEqual(get('status').numbers, ['FA-2025-0004']);
    assert.equal(get('supplierName').total, 8);
    assert.equal(get('supplierSiret').total, 8);
    assert.deepEqual(get('amount').numbers, ['FA-2025-0010', 'FA-2025-0009', 'FA-2025-0008', 'FA-2025-0007', 'FA-2025-0006', 'FA-2025-0005', 'FA-2025-0004', 'FA-2025-0003', 'FA-2025-0002', 'FA-2025-0001']);
    assert.deepEqual(get('dates').numbers, ['FA-2025-0010', 'FA-2025-0009', 'FA-2025-0008', 'FA-2025-0007', 'FA-2025-0006', 'FA-2025-0005']);
    assert.deepEqual(get('withoutMetadata').numbers, ['FA-2025-0009']);
    assert.ok(get('matched').total > 0);
    assert.equal(get('all').facets.status.suspended, 1);
    assert.equal(get('all').facets.withoutMetadata.yes, 1);
    assert.equal(get('budget').total, get('matched').total);
    assert.equal(get('anomaly').total, 4, 'a PDF without metadata still has the SIRET Chorus gives');
    assert.deepEqual(get('dgp').numbers, ['FA-2025-0005', 'FA-2025-0004', 'FA-2025-0003', 'FA-2025-0002', 'FA-2025-0001'], 'expiry 30 days after reception, by 2025-04-04');
    assert.deepEqual(get('bySupplier').numbers, ['FA-2025-0006', 'FA-2025-0001', 'FA-2025-0002']);
    assert.deepEqual(get('byAmount').numbers, ['FA-2025-0001', 'FA-2025-0002', 'FA-2025-0003', 'FA-2025-0004']);
    assert.deepEqual(out['pages:all'], get('all').numbers);
    assert.deepEqual(out['pages:prefix'], ['FA-2025-0011', 'FA-2025-0010', 'FA-2025-0008', 'FA-2025-0007', 'FA-2025-0005', 'FA-2025-0004', 'FA-2025-0002', 'FA-2025-0001'], 'text: newest received first');
    assert.deepEqual(get('textOldestFirst').numbers, ['FA-2025-0001', 'FA-2025-0002', 'FA-2025-0004']);
    assert.deepEqual(get('textByAmount').numbers, ['FA-2025-0012', 'FA-2025-0011', 'FA-2025-0010']);
    assert.deepEqual(get('textFiltered').numbers, ['FA-2025-0011', 'FA-2025-0010', 'FA-2025-0008', 'FA-2025-0007']);
    assert.equal(get('textFiltered').total, 6);
    assert.equal((out['pages:bySupplier'] as string[]).length, 12);
    assert.deepEqual(parseFilters(['status=received,suspended', 'sans_metadonnee=oui', 'anomaly=duplicate', 'dgp_risk=oui']), {
      status: ['received', 'suspended'],
      withoutMetadata: true,
      anomaly: 'duplicate',
      dgpRiskDays: 5,
    });
    if (results.sqlite && results.postgres) assert.deepEqual(results.postgres, results.sqlite, 'same answers on SQLite and PostgreSQL');
  }));
