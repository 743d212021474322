import fs from 'node:fs';
import path from 'node:path';
import { openContext } from '../../app/context.ts';
import { DEMO_PASSWORD, DEMO_USERNAME, setUpDemo } from '../../http/demo-setup.ts';
import { startHttp } from '../../http/start.ts';
import { parseCommand, UsageError } from '../args.ts';
import { stopOnSignals } from '../shutdown.ts';

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
  // Installed before the set-up: a signal while the simulator seeds or the first sync runs stops
  // the demo too. The server, the simulator, the workers and the store all close.
  let demo: Awaited<ReturnType<typeof setUpDemo>> | null = null;
  let server: Awaited<ReturnType<typeof startHttp>> | null = null;
  let demoClosed: Promise<void> | null = null;
  const closeDemo = () => (demoClosed ??= demo ? demo.close().catch(() => undefined) : Promise.resolve());
  const removeHandlers = stopOnSignals(
    async () => {
      if (server) await server.stop();
      else if (!demo) process.exit(0); // still setting up: the data directory is rebuilt at every start anyway
      await closeDemo();
      await context.close().catch(() => undefined);
    },
    { log },
  );
  log(`Démonstration Liasse — données dans ${dataDir}`);
  demo = await setUpDemo(context, { invoices, seed: parsed.values.seed ?? 'liasse-demo', log });
  log(`Simulateur Chorus Pro : ${demo.simulator.url}`);
  server = await startHttp(context, { demo: true, simulatorUrl: demo.simulator.url, log, handleSignals: false });
  log('');
  log(`  Liasse est prêt : ${server.url}`);
  log(`  Compte de démonstration : ${DEMO_USERNAME} / ${DEMO_PASSWORD}`);
  log(`  API documentée : ${server.url}/api/docs`);
  log('');
  log('Ctrl+C pour arrêter.');
  await server.closed;
  await closeDemo();
  removeHandlers();
  return 0;
}
