// `npm run bench:sync`: the sync's throughput and memory.
// - end-to-end: the Chorus simulator runs in its own process (`liasse chorus-sim`, loopback HTTP);
//   each measured sync runs in a fresh child process (so its peak RSS is its own), on SQLite and on
//   PostgreSQL, at 1 000 and 10 000 invoices (mixed formats: UBL, CII, Factur-X, PDF);
// - store-only: the same engine with the simulator's documents generated beforehand and served in
//   process (no HTTP): reading (pivot, original) and storing (blobs, rows, audit, search index).
// Usage: tsx bench/sync.ts [--sizes 1000,10000] [--dialects sqlite,postgres]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inProcessChorusClient } from '../src/app/sync/in-process-client.ts';
import { syncTenant } from '../src/app/sync/sync.ts';
import { createTenant } from '../src/app/tenants.ts';
import { loadSecretKey } from '../src/app/secrets.ts';
import { SimState } from '../src/chorus/simulator/store.ts';
import { SIMULATOR_DEFAULTS } from '../src/chorus/simulator/index.ts';
import type { Dialect } from '../src/store/db.ts';
import { createTestDatabase } from '../test/helpers/databases.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'liasse.mjs');
const SELF = fileURLToPath(import.meta.url);

type Measure = { invoices: number; seconds: number; rate: number; peakRssMb: number; quarantined: number; timings?: Record<string, number> };

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, LIASSE_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `liasse chorus-sim` on a free port in its own process. */
async function startSimulatorProcess(invoices: number): Promise<{ url: string; tokenUrl: string; stop(): void }> {
  const child = spawn(process.execPath, [BIN, 'chorus-sim', '--port', '0', '--invoices', String(invoices), '--seed', `bench-${invoices}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /CHORUS_API_URL=(\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`chorus-sim exited (${code}): ${output}`)));
  });
  // A real Chorus serves stored files: render the simulator's documents before timing the client.
  const prerender = await fetch(`${url}/_sim/prerender`, { method: 'POST' });
  if (!prerender.ok) throw new Error(`chorus-sim prerender failed: HTTP ${prerender.status}`);
  process.stderr.write(`  simulator documents prerendered: ${JSON.stringify(await prerender.json())}\n`);
  return { url, tokenUrl: `${url}/api/oauth/token`, stop: () => child.kill('SIGTERM') };
}

/** Child mode: one end-to-end sync in this (fresh) process; prints its measure as JSON. */
async function childSync(dialect: Dialect, url: string, tokenUrl: string): Promise<void> {
  const database = await createTestDatabase(dialect);
  try {
    const context = await database.open();
    const tenant = await createTenant(
      context.store.db,
      {
        name: 'Bench',
        chorus: {
          apiUrl: url,
          tokenUrl,
          clientId: SIMULATOR_DEFAULTS.clientId,
          clientSecret: SIMULATOR_DEFAULTS.clientSecret,
          login: SIMULATOR_DEFAULTS.login,
          password: SIMULATOR_DEFAULTS.password,
        },
      },
      loadSecretKey(context.config),
    );
    const started = performance.now();
    const result = await syncTenant(context, tenant.id, {});
    const seconds = (performance.now() - started) / 1000;
    const measure: Measure = {
      invoices: result.new,
      seconds,
      rate: result.new / seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      quarantined: result.quarantined,
      timings: Object.fromEntries(Object.entries(result.timings).map(([phase, ms]) => [phase, Math.round(ms)])),
    };
    if (result.failed > 0) throw new Error(`${result.failed} invoices failed: ${result.errors.slice(0, 3).join('; ')}`);
    process.stdout.write(`${JSON.stringify(measure)}\n`);
  } finally {
    await database.dispose();
  }
}

/** Store-only: documents generated first, then read + stored through the same engine without HTTP. */
async function storeOnly(dialect: Dialect, invoices: number): Promise<Measure> {
  const database = await createTestDatabase(dialect);
  try {
    const context = await database.open();
    const tenant = await createTenant(context.store.db, { name: 'Bench' }, loadSecretKey(context.config));
    const client = inProcessChorusClient(SimState.open({ seed: `bench-${invoices}`, invoices }), { cacheDocuments: true });
    await client.warm();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    const started = performance.now();
    const result = await syncTenant(context, tenant.id, { client });
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    return {
      invoices: result.new,
      seconds,
      rate: result.new / seconds,
      peakRssMb: peak / 1e6,
      quarantined: result.quarantined,
      timings: Object.fromEntries(Object.entries(result.timings).map(([phase, ms]) => [phase, Math.round(ms)])),
    };
  } finally {
    await database.dispose();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await childSync(process.argv[3] as Dialect, process.argv[4]!, process.argv[5]!);
    return;
  }
  const sizes = arg('sizes', '1000,10000').split(',').map(Number);
  const dialects = arg('dialects', 'sqlite,postgres').split(',') as Dialect[];
  const rows: string[] = [];
  const line = (text: string) => {
    rows.push(text);
    process.stdout.write(`${text}\n`);
  };
  line('| mode | database | invoices | seconds | invoices/s | peak RSS (MB) | quarantined |');
  line('|---|---|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const simulator = await startSimulatorProcess(size);
    try {
      for (const dialect of dialects) {
        const result = await run(process.execPath, ['--import', 'tsx', SELF, '--child', dialect, simulator.url, simulator.tokenUrl], {});
        if (result.code !== 0) throw new Error(`end-to-end ${dialect} ${size} failed: ${result.stderr}`);
        const measure = JSON.parse(result.stdout.trim().split('\n').pop()!) as Measure;
        line(`| end-to-end (HTTP) | ${dialect} | ${measure.invoices} | ${measure.seconds.toFixed(1)} | ${measure.rate.toFixed(0)} | ${measure.peakRssMb.toFixed(0)} | ${measure.quarantined} |`);
        process.stderr.write(`  phases (ms, overlapping): ${JSON.stringify(measure.timings)}\n`);
      }
    } finally {
      simulator.stop();
    }
    for (const dialect of dialects) {
      const measure = await storeOnly(dialect, size);
      line(`| store-only (read + store) | ${dialect} | ${measure.invoices} | ${measure.seconds.toFixed(1)} | ${measure.rate.toFixed(0)} | ${measure.peakRssMb.toFixed(0)} | ${measure.quarantined} |`);
      process.stderr.write(`  phases (ms, overlapping): ${JSON.stringify(measure.timings)}\n`);
    }
  }
}

await main();
