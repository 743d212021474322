import fs from 'node:fs';
import { startS2lowSimulator } from '../../teletransmission/s2low-sim.ts';
import { parseCommand, UsageError } from '../args.ts';

const HELP = `
Usage: liasse s2low-sim [--port 8790] [--host 127.0.0.1] [--cert F --key F [--ca F]]
                        [--login L --password P] [--validate] [--reject [--reject-reason TEXT]]

A local S²low-compatible server (Hélios API of libriciel/s2low): POST
/modules/helios/api/helios_importer_fichier.php (field "enveloppe"), GET
/modules/helios/api/helios_transac_get_status.php?transaction=ID (each call moves the file along
1 posté → 2 en attente → 3 transmis → 4 acquitté | 6 refusé), GET
/modules/helios/helios_download_acquit.php?id=ID (the PES_Acquit), GET /api/test-connexion.php.
With --cert/--key it speaks HTTPS; with --ca it requires a client certificate signed by that CA.
--validate checks each PES against the schemas (xmllint); --reject rejects every bordereau;
POST /_simulateur/rejet?motif=TEXT[&piece=N] rejects the next file only.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      login: { type: 'string' },
      password: { type: 'string' },
      validate: { type: 'boolean' },
      reject: { type: 'boolean' },
      'reject-reason': { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values } = parsed;
  if ((values.cert && !values.key) || (!values.cert && values.key)) throw new UsageError('--cert and --key go together');
  const port = Number(values.port ?? '8790');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got ${values.port}`);
  const reason = values['reject-reason'] ?? '2559 - Le code service de la structure publique destinataire est inconnu ou inactif';
  const simulator = await startS2lowSimulator({
    port,
    host: values.host ?? '127.0.0.1',
    ...(values.cert && values.key
      ? { tls: { cert: fs.readFileSync(values.cert), key: fs.readFileSync(values.key), ...(values.ca ? { ca: fs.readFileSync(values.ca) } : {}) } }
      : {}),
    ...(values.login ? { login: values.login, password: values.password ?? '' } : {}),
    validate: values.validate === true,
    ...(values.reject ? { decide: () => ({ accepted: false as const, reason }) } : {}),
    log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(`Simulateur S²low à l'écoute sur ${simulator.url} (Ctrl-C pour arrêter)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.close();
  return 0;
}
