import { openContext } from '../../app/context.ts';
import { startHttp } from '../../http/start.ts';
import { parseCommand, STORE_OPTIONS, storeOverrides } from '../args.ts';
import { stopOnSignals } from '../shutdown.ts';

const HELP = `
Usage: liasse serve [--port N] [--host H] [--no-workers] [--data-dir DIR] [--database-url URL]

Starts the HTTP server: the API (/api, documented at /api/docs), the web application, and the
scheduled workers (Chorus sync every LIASSE_SYNC_INTERVAL_MINUTES, status publishing, alerts).
Listens on 127.0.0.1:8080 unless told otherwise (--port / PORT, --host / HOST).
Create the first account with \`liasse users create\`.
SIGINT/SIGTERM stop it: requests finish, workers stop, the store closes, the process ends (at the
latest after 8 s; a second signal ends it at once).
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, 'no-workers': { type: 'boolean' } }, HELP);
  if (!parsed) return 0;
  const overrides: Record<string, string> = storeOverrides(parsed.values);
  if (parsed.values.port !== undefined) overrides.PORT = parsed.values.port;
  if (parsed.values.host !== undefined) overrides.HOST = parsed.values.host;
  const context = await openContext(overrides);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // SIGINT/SIGTERM: stopOnSignals stops the server, the workers and the store, and ends the process.
  const server = await startHttp(context, { workers: !parsed.values['no-workers'], log, handleSignals: false });
  const removeHandlers = stopOnSignals(() => server.stop(), { log });
  process.stdout.write(`Liasse écoute sur ${server.url} (API documentée sur ${server.url}/api/docs)\n`);
  await server.closed;
  removeHandlers();
  return 0;
}
