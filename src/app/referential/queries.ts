// Read-only queries of the referential for the screens and the API (tiers, engagements, budgets with
// their exercices and the services of a collectivité), page by page. Writes go through import.ts.
import type { Kysely } from 'kysely';
import { Decimal } from '../../domain/money.ts';
import type { Database } from '../../store/schema.ts';

const LIMIT = 200;

function like(text: string): string {
  return `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
}

export async function listTiers(db: Kysely<Database>, tenantId: string, search = '') {
  let query = db.selectFrom('tiers').select(['id', 'siret', 'name', 'vat_id', 'address', 'ibans_json']).where('tenant_id', '=', tenantId);
  if (search) query = query.where((eb) => eb.or([eb('name', 'like', like(search)), eb('siret', 'like', like(search))]));
  const rows = await query.orderBy('name').limit(LIMIT).execute();
  return rows.map((row) => ({ id: row.id, siret: row.siret, name: row.name, vatId: row.vat_id, address: row.address, ibans: JSON.parse(row.ibans_json) as string[] }));
}

export async function listEngagements(db: Kysely<Database>, tenantId: string, search = '') {
  let query = db
    .selectFrom('engagements')
    .leftJoin('tiers', 'tiers.id', 'engagements.tiers_id')
    .innerJoin('budgets', 'budgets.id', 'engagements.budget_id')
    .select([
      'engagements.id',
      'engagements.numero',
      'engagements.exercice',
      'engagements.objet',
      'engagements.status',
      'engagements.service_code',
      'engagements.amount_ttc_cents',
      'engagements.liquidated_ttc_cents',
      'budgets.code as budget',
      'tiers.name as tiers',
    ])
    .where('engagements.tenant_id', '=', tenantId);
  if (search) {
    query = query.where((eb) => eb.or([eb('engagements.numero', 'like', like(search)), eb('engagements.objet', 'like', like(search)), eb('tiers.name', 'like', like(search))]));
  }
  const rows = await query.orderBy('engagements.exercice', 'desc').orderBy('engagements.numero').limit(LIMIT).execute();
  return rows.map((row) => ({
    id: row.id,
    numero: row.numero,
    exercice: row.exercice,
    budget: row.budget,
    tiers: row.tiers,
    objet: row.objet,
    status: row.status,
    service: row.service_code,
    amountTtc: Decimal.fromCents(Number(row.amount_ttc_cents)).toString(2),
    remainingTtc: Decimal.fromCents(Number(row.amount_ttc_cents) - Number(row.liquidated_ttc_cents)).toString(2),
  }));
}

export async function listBudgets(db: Kysely<Database>, tenantId: string) {
  const [budgets, exercices, services] = await Promise.all([
    db.selectFrom('budgets').selectAll().where('tenant_id', '=', tenantId).orderBy('code').execute(),
    db.selectFrom('exercices').select(['budget_id', 'year', 'open']).where('tenant_id', '=', tenantId).orderBy('year', 'desc').execute(),
    db.selectFrom('services').select(['code', 'label', 'chorus_service_code']).where('tenant_id', '=', tenantId).orderBy('code').execute(),
  ]);
  return {
    budgets: budgets.map((budget) => ({
      id: budget.id,
      code: budget.code,
      label: budget.label,
      siret: budget.siret,
      vatRegime: budget.vat_regime,
      nomenclature: budget.nomenclature,
      exercices: exercices.filter((exercice) => exercice.budget_id === budget.id).map((exercice) => ({ year: exercice.year, open: exercice.open === 1 })),
    })),
    services: services.map((service) => ({ code: service.code, label: service.label, chorusServiceCode: service.chorus_service_code })),
  };
}
