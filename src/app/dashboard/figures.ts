// The dashboard's figures, read from the search index (one row per invoice, already carrying
// budget, service, status and dates): work to do by budget and by service, volumes and processing
// time per month. Deadline risk and publishing failures: index.ts.
import { sql, type Kysely } from 'kysely';
import { Decimal } from '../../domain/money.ts';
import type { Database } from '../../store/schema.ts';

export const TO_PROCESS_STATUSES = ['received', 'to_process', 'completed', 'service_fait'];

function monthsBack(count: number, today = new Date()): string[] {
  const months: string[] = [];
  for (let index = count - 1; index >= 0; index -= 1) {
    const date = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - index, 1));
    months.push(date.toISOString().slice(0, 7));
  }
  return months;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

export async function dashboardFigures(db: Kysely<Database>, tenantId: string) {
  const grouped = (column: 'budget_code' | 'service_code') =>
    db
      .selectFrom('invoice_search')
      .select([column, (eb) => eb.fn.countAll<number>().as('count'), (eb) => eb.fn.sum<number>('amount_ttc_cents').as('cents')])
      .where('tenant_id', '=', tenantId)
      .where('status', 'in', TO_PROCESS_STATUSES)
      .groupBy(column)
      .orderBy('count', 'desc')
      .execute();
  const months = monthsBack(12);
  const since = `${months[0]}-01`;
  const [byBudget, byService, volumes, processed] = await Promise.all([
    grouped('budget_code'),
    grouped('service_code'),
    db
      .selectFrom('invoice_search')
      .select([sql<string>`substr(received_date, 1, 7)`.as('month'), (eb) => eb.fn.countAll<number>().as('count')])
      .where('tenant_id', '=', tenantId)
      .where('received_date', '>=', since)
      .groupBy(sql`substr(received_date, 1, 7)`)
      .execute(),
    // Processing time: from the invoice's arrival to its mandat.
    db
      .selectFrom('mandat_lines')
      .innerJoin('mandats', 'mandats.id', 'mandat_lines.mandat_id')
      .innerJoin('invoices', 'invoices.id', 'mandat_lines.invoice_id')
      .select(['mandats.created_at as mandated_at', 'invoices.made_available_at', 'invoices.deposited_at'])
      .where('mandats.tenant_id', '=', tenantId)
      .where('mandats.created_at', '>=', since)
      .where('mandats.kind', '=', 'ordinaire')
      .limit(50_000)
      .execute(),
  ]);
  const perMonth = new Map<string, number[]>();
  for (const row of processed) {
    const start = row.made_available_at ?? row.deposited_at;
    if (!start) continue;
    const days = Math.max(0, Math.round((Date.parse(row.mandated_at) - Date.parse(start)) / 86_400_000));
    const month = row.mandated_at.slice(0, 7);
    perMonth.set(month, [...(perMonth.get(month) ?? []), days]);
  }
  const volumeByMonth = new Map(volumes.map((row) => [row.month, Number(row.count)]));
  const toEntry = (key: string | null, row: { count: number | string; cents: number | string | null }) => ({
    key: key ?? '',
    count: Number(row.count),
    amountTtc: Decimal.fromCents(Number(row.cents ?? 0)).toString(2),
  });
  return {
    toProcess: byBudget.reduce((sum, row) => sum + Number(row.count), 0),
    byBudget: byBudget.map((row) => toEntry(row.budget_code, row)),
    byService: byService.map((row) => toEntry(row.service_code, row)),
    volumes: months.map((month) => ({ month, count: volumeByMonth.get(month) ?? 0 })),
    processingDays: months.map((month) => ({ month, medianDays: median(perMonth.get(month) ?? []), count: perMonth.get(month)?.length ?? 0 })),
  };
}
