// Imports of the authority's referential from its accounting software: budgets, tiers and
// engagements, from CSV files (see csv.ts) or JSON rows (the HTTP API). Idempotent upsert on the
// natural key (budget code; tiers SIRET; engagement numero + exercice): importing the same file
// twice changes nothing. The report names every rejected line and why, in French; valid lines are
// imported even when others are rejected. One transaction and one audit entry per import.
import type { Kysely, Transaction } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { normalizeEngagementNumber } from '../../domain/matching/engagement-number.ts';
import { normalizeIban } from '../../domain/matching/anomalies.ts';
import { Decimal } from '../../domain/money.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { type CsvRecord, normalizeHeader, parseCsv } from './csv.ts';

export const REFERENTIAL_KINDS = ['budgets', 'tiers', 'engagements'] as const;
export type ReferentialKind = (typeof REFERENTIAL_KINDS)[number];

export type Rejection = { line: number; reason: string };
export type ImportReport = { created: number; updated: number; unchanged: number; rejected: Rejection[] };

const REQUIRED: Record<ReferentialKind, string[]> = {
  budgets: ['code', 'libelle', 'siret'],
  tiers: ['siret', 'nom'],
  engagements: ['numero', 'exercice', 'budget', 'siret_tiers', 'montant'],
};

class RowError extends Error {}

/** "1 234,56", "1234.56", "1.234,56", "1 234 €" → integer cents. */
export function parseAmountCents(text: string, column: string): number {
  let value = text.replace(/[\s\u00a0\u202f€]/g, '');
  if (value.includes(',') && value.includes('.')) {
    value = value.lastIndexOf(',') > value.lastIndexOf('.') ? value.replace(/\./g, '') : value.replace(/,/g, '');
  }
  const parsed = Decimal.tryParse(value);
  if (!parsed) throw new RowError(`${column} « ${text} » n'est pas un montant`);
  if (parsed.scale > 2 && !parsed.eq(parsed.round(2))) throw new RowError(`${column} « ${text} » a plus de deux décimales`);
  if (parsed.isNegative()) throw new RowError(`${column} « ${text} » est négatif`);
  return Number(parsed.toCents());
}

function required(fields: Record<string, string>, name: string): string {
  const value = fields[name]?.trim() ?? '';
  if (value === '') throw new RowError(`colonne ${name} vide`);
  return value;
}

function optional(fields: Record<string, string>, name: string): string | null {
  const value = fields[name]?.trim() ?? '';
  return value === '' ? null : value;
}

function siretOf(value: string, column: string): string {
  const siret = value.replace(/[\s.]/g, '');
  if (!/^\d{14}$/.test(siret)) throw new RowError(`${column} « ${value} » : un SIRET a 14 chiffres`);
  return siret;
}

const STATUS_WORDS: Record<string, string> = {
  open: 'open',
  ouvert: 'open',
  en_cours: 'open',
  closed: 'closed',
  solde: 'closed',
  clos: 'closed',
  cancelled: 'cancelled',
  annule: 'cancelled',
};

type Counter = { created: number; updated: number; unchanged: number };

function changed(existing: Record<string, unknown>, next: Record<string, unknown>): boolean {
  return Object.entries(next).some(([key, value]) => (existing[key] ?? null) !== (value ?? null));
}

async function upsertBudget(trx: Transaction<Database>, tenantId: string, fields: Record<string, string>, now: string, count: Counter) {
  const code = required(fields, 'code');
  const regime = (optional(fields, 'tva') ?? 'TTC').toUpperCase();
  if (regime !== 'HT' && regime !== 'TTC') throw new RowError(`tva « ${fields.tva} » : HT ou TTC attendu`);
  const values = {
    label: required(fields, 'libelle'),
    siret: siretOf(required(fields, 'siret'), 'siret'),
    vat_regime: regime,
    nomenclature: optional(fields, 'nomenclature')?.toUpperCase() ?? null,
    codcol: optional(fields, 'codcol'),
    codbud: optional(fields, 'codbud'),
    idpost: optional(fields, 'idpost'),
  };
  const existing = await trx.selectFrom('budgets').selectAll().where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst();
  if (!existing) {
    await trx.insertInto('budgets').values({ id: newId(), tenant_id: tenantId, code, ...values, created_at: now, updated_at: now }).execute();
    count.created += 1;
  } else if (changed(existing, values)) {
    await trx.updateTable('budgets').set({ ...values, updated_at: now }).where('id', '=', existing.id).execute();
    count.updated += 1;
  } else count.unchanged += 1;
}

async function upsertTiers(trx: Transaction<Database>, tenantId: string, fields: Record<string, string>, now: string, count: Counter) {
  const siret = siretOf(required(fields, 'siret'), 'siret');
  const ibans = (optional(fields, 'iban') ?? '')
    .split(/[|,]/)
    .map(normalizeIban)
    .filter((iban) => iban !== '');
  for (const iban of ibans) {
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) throw new RowError(`iban « ${iban} » invalide`);
  }
  const existing = await trx.selectFrom('tiers').selectAll().where('tenant_id', '=', tenantId).where('siret', '=', siret).executeTakeFirst();
  // Known IBANs accumulate: an export lists the current one, the older ones stay known.
  const known = existing ? (JSON.parse(existing.ibans_json) as string[]) : [];
  const merged = [...known, ...ibans.filter((iban) => !known.includes(iban))];
  const values = {
    name: required(fields, 'nom'),
    siren: siret.slice(0, 9),
    vat_id: optional(fields, 'tva')?.replace(/\s/g, '').toUpperCase() ?? existing?.vat_id ?? null,
    address: optional(fields, 'adresse') ?? existing?.address ?? null,
    ibans_json: JSON.stringify(merged),
  };
  if (!existing) {
    await trx.insertInto('tiers').values({ id: newId(), tenant_id: tenantId, siret, ...values, created_at: now, updated_at: now }).execute();
    count.created += 1;
  } else if (changed(existing, values)) {
    await trx.updateTable('tiers').set({ ...values, updated_at: now }).where('id', '=', existing.id).execute();
    count.updated += 1;
  } else count.unchanged += 1;
}

async function upsertEngagement(trx: Transaction<Database>, tenantId: string, fields: Record<string, string>, now: string, count: Counter) {
  const numero = required(fields, 'numero');
  const numeroNormalized = normalizeEngagementNumber(numero);
  if (numeroNormalized === '') throw new RowError(`numero « ${numero} » sans lettre ni chiffre`);
  const exerciceText = required(fields, 'exercice');
  if (!/^\d{4}$/.test(exerciceText)) throw new RowError(`exercice « ${exerciceText} » : une année sur 4 chiffres attendue`);
  const exercice = Number(exerciceText);
  const budgetCode = required(fields, 'budget');
  const budget = await trx.selectFrom('budgets').select('id').where('tenant_id', '=', tenantId).where('code', '=', budgetCode).executeTakeFirst();
  if (!budget) throw new RowError(`budget « ${budgetCode} » inconnu : importez d'abord les budgets`);
  const tiersSiret = optional(fields, 'siret_tiers');
  let tiersId: string | null = null;
  if (tiersSiret) {
    const siret = siretOf(tiersSiret, 'siret_tiers');
    const tiers = await trx.selectFrom('tiers').select('id').where('tenant_id', '=', tenantId).where('siret', '=', siret).executeTakeFirst();
    if (!tiers) throw new RowError(`tiers SIRET ${siret} inconnu : importez d'abord les tiers`);
    tiersId = tiers.id;
  }
  const amountTtc = parseAmountCents(required(fields, 'montant'), 'montant');
  const htText = optional(fields, 'montant_ht');
  const amountHt = htText === null ? null : parseAmountCents(htText, 'montant_ht');
  if (amountHt !== null && amountHt > amountTtc) throw new RowError(`montant_ht (${htText}) supérieur au montant TTC (${fields.montant})`);
  const liquidatedText = optional(fields, 'liquide') ?? optional(fields, 'montant_liquide');
  const liquidatedHtText = optional(fields, 'liquide_ht') ?? optional(fields, 'montant_liquide_ht');
  const statusText = optional(fields, 'statut');
  const status = statusText === null ? 'open' : STATUS_WORDS[normalizeHeader(statusText)];
  if (!status) throw new RowError(`statut « ${statusText} » : ouvert, soldé ou annulé attendu`);
  const section = optional(fields, 'section')?.toUpperCase() ?? null;
  if (section !== null && section !== 'F' && section !== 'I') throw new RowError(`section « ${section} » : F ou I attendu`);
  const marche = optional(fields, 'marche');
  const values = {
    numero_normalized: numeroNormalized,
    budget_id: budget.id,
    tiers_id: tiersId,
    service_code: optional(fields, 'service'),
    section,
    chapitre: optional(fields, 'chapitre'),
    nature: optional(fields, 'nature'),
    fonction: optional(fields, 'fonction'),
    operation: optional(fields, 'operation'),
    objet: optional(fields, 'objet'),
    marche,
    amount_ttc_cents: amountTtc,
    amount_ht_cents: amountHt,
    liquidated_ttc_cents: liquidatedText === null ? 0 : parseAmountCents(liquidatedText, 'liquide'),
    liquidated_ht_cents: liquidatedHtText === null ? 0 : parseAmountCents(liquidatedHtText, 'liquide_ht'),
    status,
  };
  const existing = await trx
    .selectFrom('engagements')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('numero', '=', numero)
    .where('exercice', '=', exercice)
    .executeTakeFirst();
  if (!existing) {
    await trx.insertInto('engagements').values({ id: newId(), tenant_id: tenantId, numero, exercice, ...values, created_at: now, updated_at: now }).execute();
    count.created += 1;
  } else if (changed(existing, values)) {
    await trx.updateTable('engagements').set({ ...values, updated_at: now }).where('id', '=', existing.id).execute();
    count.updated += 1;
  } else count.unchanged += 1;

  // The exercices a budget uses exist as soon as an engagement names them (open until closed).
  await trx
    .insertInto('exercices')
    .values({ id: newId(), tenant_id: tenantId, budget_id: budget.id, year: exercice, open: 1 })
    .onConflict((oc) => oc.columns(['budget_id', 'year']).doNothing())
    .execute();
  if (marche) {
    await trx
      .insertInto('marches')
      .values({ id: newId(), tenant_id: tenantId, numero: marche, tiers_id: tiersId, objet: null })
      .onConflict((oc) => oc.columns(['tenant_id', 'numero']).doNothing())
      .execute();
  }
}

const UPSERT = { budgets: upsertBudget, tiers: upsertTiers, engagements: upsertEngagement } as const;

/** Imports records (CSV lines or JSON rows with their line numbers) of one kind. */
export async function importRecords(
  db: Kysely<Database>,
  tenantId: string,
  kind: ReferentialKind,
  records: CsvRecord[],
  options: { actor?: string; source?: string; header?: string[] } = {},
): Promise<ImportReport> {
  const report: ImportReport = { created: 0, updated: 0, unchanged: 0, rejected: [] };
  const missing = options.header ? REQUIRED[kind].filter((name) => !options.header!.includes(name)) : [];
  if (missing.length > 0) {
    report.rejected.push({ line: 1, reason: `colonnes obligatoires absentes : ${missing.join(', ')} (attendu : ${REQUIRED[kind].join(';')})` });
    return report;
  }
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    for (const record of records) {
      // A savepoint per line would cost more than it gives: validation throws before any write.
      try {
        await UPSERT[kind](trx, tenantId, record.fields, now, report);
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        report.rejected.push({ line: record.line, reason: error.message });
      }
    }
    await appendAudit(trx, {
      tenantId,
      actor: options.actor ?? 'cli',
      action: `referential.import_${kind}`,
      entity: kind,
      entityId: null,
      data: { source: options.source ?? null, created: report.created, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected.length },
    });
  });
  return report;
}

/** Imports a CSV file's bytes (UTF-8 or Windows-1252, `;` separated). */
export async function importCsv(
  db: Kysely<Database>,
  tenantId: string,
  kind: ReferentialKind,
  bytes: Uint8Array | string,
  options: { actor?: string; source?: string } = {},
): Promise<ImportReport> {
  const { header, records } = parseCsv(bytes);
  if (header.length === 0) return { created: 0, updated: 0, unchanged: 0, rejected: [{ line: 1, reason: 'fichier vide' }] };
  return importRecords(db, tenantId, kind, records, { ...options, header });
}

/** Imports JSON rows (the HTTP API, `liasse import --input-json`): line = position in the array, from 1. */
export async function importJson(
  db: Kysely<Database>,
  tenantId: string,
  kind: ReferentialKind,
  rows: unknown,
  options: { actor?: string; source?: string } = {},
): Promise<ImportReport> {
  if (!Array.isArray(rows)) return { created: 0, updated: 0, unchanged: 0, rejected: [{ line: 0, reason: 'un tableau JSON est attendu' }] };
  const rejected: Rejection[] = [];
  const records: CsvRecord[] = [];
  rows.forEach((row, index) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      rejected.push({ line: index + 1, reason: 'un objet est attendu' });
      return;
    }
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
      if (value === null || value === undefined) continue;
      if (Array.isArray(value)) fields[normalizeHeader(key)] = value.map(String).join('|');
      else fields[normalizeHeader(key)] = String(value).trim();
    }
    records.push({ line: index + 1, fields });
  });
  const report = await importRecords(db, tenantId, kind, records, options);
  report.rejected = [...rejected, ...report.rejected].sort((a, b) => a.line - b.line);
  return report;
}
