import fs from 'node:fs';
import path from 'node:path';
import { openContext } from '../../app/context.ts';
import { DEMO_PASSWORD, DEMO_USERNAME, setUpDemo } from '../../http/demo-setup.ts';
import { startHttp } from '../../http/start.ts';
import { parseCommand, UsageError } from '../args.ts';

const HELP = `
Usage: liasse demo [--port N] [--host H] [--invoices N] [--data-dir DIR] [--reset]

What \`npm start\` runs: a demonstration on SQLite in ./data/demo (or --data-dir) — the Chorus Pro
simulator started in this process and seeded with a realistic authority, the collectivité created
from it, its budgets, tiers and engagements imported, the invoices synchronised and matched, then
the server (API, web application, workers). Prints the URL and the demo account (demo / demo).
The data directory is rebuilt at every start (the simulator's data live in memory).
PORT / --port (default 8080), HOST / --host (default 127.0.0.1).
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    { port: { type: 'string' }, host: { type: 'string' }, invoices: { type: 'string' }, 'data-dir': { type: 'string' }, seed: { type: 'string' } },
    HELP,
  );
  if (!parsed) return 0;
  const invoices = Number(parsed.values.invoices ?? '300');
  if (!Number.isInteger(invoices) || invoices < 1 || invoices > 100_000) throw new UsageError('--invoices: a whole number between 1 and 100000');
  const dataDir = path.resolve(parsed.values['data-dir'] ?? path.join('data', 'demo'));
  // The simulator keeps its invoices in memory: a previous demo's database would not match it.
  fs.rmSync(dataDir, { recursive: true, force: true });
  const overrides: Record<string, string> = { LIASSE_DATA_DIR: dataDir, DATABASE_URL: '' };
  if (parsed.values.port !== undefined) overrides.PORT = parsed.values.port;
  if (parsed.values.host !== undefined) overrides.HOST = parsed.values.host;
  const context = await openContext(overrides);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`Démonstration Liasse — données dans ${dataDir}`);
  const demo = await setUpDemo(context, { invoices, seed: parsed.values.seed ?? 'liasse-demo', log });
  log(`Simulateur Chorus Pro : ${demo.simulator.url}`);
  const server = await startHttp(context, { demo: true, simulatorUrl: demo.simulator.url, log });
  log('');
  log(`  Liasse est prêt : ${server.url}`);
  log(`  Compte de démonstration : ${DEMO_USERNAME} / ${DEMO_PASSWORD}`);
  log(`  API documentée : ${server.url}/api/docs`);
  log('');
  log('Ctrl+C pour arrêter.');
  await server.closed;
  await demo.close();
  return 0;
}
