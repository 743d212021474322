// Gap-free counters (mandat and bordereau numbers, …). A number is taken by incrementing a row
// inside the caller's transaction: the row lock serialises concurrent writers and a rollback gives
// the number back, so a series never skips, unlike a database sequence.
import type { Transaction } from 'kysely';
import type { Database } from './schema.ts';

export async function nextInSequence(trx: Transaction<Database>, name: string): Promise<number> {
  // A new series starts at 0; on PostgreSQL a concurrent creator's row is waited for, not duplicated.
  await trx
    .insertInto('sequences')
    .values({ name, value: 0 })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const updated = await trx
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(updated.value);
}

/** The last number given in a series (0 when none). */
export async function currentInSequence(trx: Transaction<Database>, name: string): Promise<number> {
  const row = await trx.selectFrom('sequences').select('value').where('name', '=', name).executeTakeFirst();
  return Number(row?.value ?? 0);
}

/**
 * Gives back the last number of a series, only if it is still `expected`: the number will be given
 * again by the next nextInSequence, so withdrawing the last piece leaves no gap. The UPDATE locks
 * the row (PostgreSQL waits for a concurrent creator, SQLite writers are serialised) and re-checks
 * the value: false when someone took a later number meanwhile — the caller must then refuse.
 */
export async function releaseLastInSequence(trx: Transaction<Database>, name: string, expected: number): Promise<boolean> {
  const updated = await trx
    .updateTable('sequences')
    .set((eb) => ({ value: eb('value', '-', 1) }))
    .where('name', '=', name)
    .where('value', '=', expected)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
