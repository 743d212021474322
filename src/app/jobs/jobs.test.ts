import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../store/db.ts';
import { forEachDatabase } from '../../../test/helpers/databases.ts';
import { createJobQueue, TableJobQueue } from './index.ts';

const waitFor = async (predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test('table job queue: two instances never run the same job; singleton dedupe; lease expiry; retries', (t) =>
  forEachDatabase(t, async (context, database) => {
    // A second store connection plays the second process.
    const other = await openStore({ dataDir: database.dataDir, databaseUrl: database.databaseUrl });
    try {
      const runs: string[] = [];
      const a = new TableJobQueue(context.store.db, { pollIntervalMs: 10 });
      const b = new TableJobQueue(other.db, { pollIntervalMs: 10 });
      for (const queue of [a, b]) {
        queue.register<{ n: number }>('count', async (payload) => {
          runs.push(String(payload.n));
          await new Promise((resolve) => setTimeout(resolve, 2));
        });
      }
      for (let n = 0; n < 30; n += 1) await a.enqueue('count', { n });
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => runs.length >= 30);
      await Promise.all([a.stop(), b.stop()]);
      assert.equal(runs.length, 30);
      assert.equal(new Set(runs).size, 30);

      // Singleton: one queued job per key; a second enqueue is deduped.
      assert.ok(await a.enqueue('single', {}, { singletonKey: 'tenant-1' }));
      assert.equal(await b.enqueue('single', {}, { singletonKey: 'tenant-1' }), null);
      assert.ok(await b.enqueue('single', {}, { singletonKey: 'tenant-2' }));

      // A worker that died mid-job: its lease expires and another instance takes the job over.
      const dead = new TableJobQueue(context.store.db, { leaseMs: 50 });
      dead.register('lease', async () => undefined);
      await dead.enqueue('lease', {});
      const claimed = await dead.claim();
      assert.ok(claimed);
      const survivor = new TableJobQueue(other.db, { leaseMs: 60_000 });
      let ran = 0;
      survivor.register('lease', async () => {
        ran += 1;
      });
      assert.equal(await survivor.runOne(), false, 'the lease still holds');
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.equal(await survivor.runOne(), true);
      assert.equal(ran, 1);

      // A failing job is retried, then marked failed with its error.
      const flaky = new TableJobQueue(context.store.db, { retryDelayMs: 1 });
      let attempts = 0;
      flaky.register('flaky', async () => {
        attempts += 1;
        throw new Error('boom');
      });
      const id = await flaky.enqueue('flaky', {}, { retryLimit: 2 });
      for (let i = 0; i < 10 && attempts < 3; i += 1) {
        await flaky.runOne();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const row = await context.store.db.selectFrom('jobs').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
      assert.equal(attempts, 3);
      assert.equal(row.status, 'failed');
      assert.equal(row.last_error, 'boom');

      // Schedules: two instances ticking the same slot enqueue one run.
      const s1 = new TableJobQueue(context.store.db);
      const s2 = new TableJobQueue(other.db);
      await s1.schedule('tick', 15);
      await s2.schedule('tick', 15);
      await Promise.all([s1.tickSchedules(), s2.tickSchedules()]);
      await Promise.all([s1.tickSchedules(), s2.tickSchedules()]);
      const ticks = await context.store.db.selectFrom('jobs').select('id').where('name', '=', 'tick').execute();
      assert.equal(ticks.length, 1);
    } finally {
      await other.close();
    }
  }));

test('pg-boss job queue: runs, dedupes singletons', async (t) => {
  await forEachDatabase(t, async (context, database) => {
    if (database.dialect !== 'postgres') return;
    const queue = await createJobQueue(context.store, database.databaseUrl, { pollIntervalMs: 500 });
    assert.equal(queue.provider, 'pg-boss');
    const seen: number[] = [];
    queue.register<{ n: number }>('pgjob', async (payload) => {
      seen.push(payload.n);
    });
    try {
      assert.ok(await queue.enqueue('pgjob', { n: 1 }, { singletonKey: 'k' }));
      assert.equal(await queue.enqueue('pgjob', { n: 2 }, { singletonKey: 'k' }), null);
      assert.ok(await queue.enqueue('pgjob', { n: 3 }));
      await queue.start();
      await waitFor(() => seen.length >= 2);
      assert.deepEqual(seen.sort(), [1, 3]);
    } finally {
      await queue.stop();
    }
  });
});
