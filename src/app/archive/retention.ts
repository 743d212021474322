// Retention rules per document class (domain.md §2.1): 10 years from the end of the exercice,
// then destruction by default — configurable per installation and per tenant. Destruction is
// never automatic (see eliminations.ts).
import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.ts';
import { type Actor, requirePermission } from '../../domain/roles.ts';
import { appendAudit } from '../../store/audit.ts';
import type { Database } from '../../store/schema.ts';
import { actorName } from '../deadlines/index.ts';

export const DOCUMENT_CLASSES = ['facture', 'mandat', 'bordereau'] as const;
export type DocumentClass = (typeof DOCUMENT_CLASSES)[number];

export type RetentionRule = {
  documentClass: string;
  years: number;
  start: 'exercice_end';
  finalAction: 'destroy' | 'keep';
  /** SEDA AppraisalRule code; default APP<years>Y. */
  appraisalRuleCode: string;
  source: 'tenant' | 'installation' | 'default';
};

export const DEFAULT_RETENTION_YEARS = 10;

function defaultRule(documentClass: string): RetentionRule {
  return { documentClass, years: DEFAULT_RETENTION_YEARS, start: 'exercice_end', finalAction: 'destroy', appraisalRuleCode: `APP${DEFAULT_RETENTION_YEARS}Y`, source: 'default' };
}

export async function getRetentionRule(db: Kysely<Database>, tenantId: string, documentClass: string): Promise<RetentionRule> {
  const rows = await db
    .selectFrom('retention_rules')
    .selectAll()
    .where('document_class', '=', documentClass)
    .where((eb) => eb.or([eb('tenant_id', '=', tenantId), eb('tenant_id', 'is', null)]))
    .execute();
  const row = rows.find((candidate) => candidate.tenant_id === tenantId) ?? rows.find((candidate) => candidate.tenant_id === null);
  if (!row) return defaultRule(documentClass);
  return {
    documentClass,
    years: row.years,
    start: 'exercice_end',
    finalAction: row.final_action === 'keep' ? 'keep' : 'destroy',
    appraisalRuleCode: row.appraisal_rule_code ?? `APP${row.years}Y`,
    source: row.tenant_id === null ? 'installation' : 'tenant',
  };
}

export async function listRetentionRules(db: Kysely<Database>, tenantId: string): Promise<RetentionRule[]> {
  return Promise.all(DOCUMENT_CLASSES.map((documentClass) => getRetentionRule(db, tenantId, documentClass)));
}

export async function setRetentionRule(
  db: Kysely<Database>,
  input: { tenantId: string | null; documentClass: string; years: number; finalAction?: 'destroy' | 'keep'; appraisalRuleCode?: string | null },
  actor: Actor,
): Promise<void> {
  requirePermission(actor, 'admin.manage');
  if (!Number.isInteger(input.years) || input.years < 1 || input.years > 200) throw new RangeError(`durée de conservation invalide : ${input.years} ans`);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    let existing = trx.selectFrom('retention_rules').select('id').where('document_class', '=', input.documentClass);
    existing = input.tenantId === null ? existing.where('tenant_id', 'is', null) : existing.where('tenant_id', '=', input.tenantId);
    const row = await existing.executeTakeFirst();
    const values = {
      years: input.years,
      final_action: input.finalAction ?? 'destroy',
      appraisal_rule_code: input.appraisalRuleCode ?? null,
      updated_by: actorName(actor),
      updated_at: now,
    };
    if (row) await trx.updateTable('retention_rules').set(values).where('id', '=', row.id).execute();
    else await trx.insertInto('retention_rules').values({ id: newId(), tenant_id: input.tenantId, document_class: input.documentClass, start: 'exercice_end', ...values }).execute();
    await appendAudit(trx, { tenantId: input.tenantId, actor: actorName(actor), action: 'retention_rule.set', entity: 'retention_rule', entityId: input.documentClass, data: values });
  });
}

/** Last day of retention: 31 December of exercice + years (the clock starts at the end of the exercice). */
export function retentionEnd(exercice: number, years: number): string {
  return `${exercice + years}-12-31`;
}
