import { openContext } from '../../app/context.ts';
import { startHttp } from '../../http/start.ts';
import { parseCommand, STORE_OPTIONS, storeOverrides } from '../args.ts';

const HELP = `
Usage: liasse serve [--port N] [--host H] [--no-workers] [--data-dir DIR] [--database-url URL]

Starts the HTTP server: the API (/api, documented at /api/docs), the web application, and the
scheduled workers (Chorus sync every LIASSE_SYNC_INTERVAL_MINUTES, status publishing, alerts).
Listens on 127.0.0.1:8080 unless told otherwise (--port / PORT, --host / HOST).
Create the first account with \`liasse users create\`.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...STORE_OPTIONS, port: { type: 'string' }, host: { type: 'string' }, 'no-workers': { type: 'boolean' } }, HELP);
  if (!parsed) return 0;
  const overrides: Record<string, string> = storeOverrides(parsed.values);
  if (parsed.values.port !== undefined) overrides.PORT = parsed.values.port;
  if (parsed.values.host !== undefined) overrides.HOST = parsed.values.host;
  const context = await openContext(overrides);
  const server = await startHttp(context, { workers: !parsed.values['no-workers'], log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`Liasse écoute sur ${server.url} (API documentée sur ${server.url}/api/docs)\n`);
  await server.closed;
  return 0;
}
