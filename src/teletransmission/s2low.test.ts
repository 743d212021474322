// The S²low client against the local simulator, over TLS with a required client certificate.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parsePesAcquit } from '../formats/pes/acquit.ts';
import { S2lowChannel } from './s2low.ts';
import { startS2lowSimulator } from './s2low-sim.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../shared/reference/pes-v2/examples/exemple-pes-aller-depense-chorus.xml');

function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey', string> {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Liasse test CA');
  for (const name of ['server', 'client']) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'agent@commune'}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), name === 'server' ? 'subjectAltName=IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
  const read = (file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

test('S²low client ↔ simulator: client-certificate TLS, post, status steps, acquittement, rejection, duplicates', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-s2low-'));
  const certs = makeCertificates(dir);
  const simulator = await startS2lowSimulator({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca }, login: 'agent', password: 'secret', validate: true });
  const client = new S2lowChannel({ baseUrl: simulator.url, cert: certs.clientCert, key: certs.clientKey, ca: certs.ca, login: 'agent', password: 'secret' });
  try {
    assert.equal(await client.testConnection(), true);
    // Without a client certificate the TLS handshake is refused.
    const anonymous = new S2lowChannel({ baseUrl: simulator.url, ca: certs.ca });
    await assert.rejects(anonymous.testConnection(), /S²low injoignable/);
    anonymous.close();

    const sent = await client.send({ path: EXAMPLE, fileName: 'PESALR2_21340123400017_250314_001.xml' });
    assert.equal(sent.transmissionId, '1');
    const states: string[] = [];
    for (let poll = 0; poll < 5; poll += 1) {
      const status = await client.status(sent.transmissionId);
      states.push(`${status.code}:${status.state}`);
      if (status.state === 'acknowledged') break;
    }
    assert.deepEqual(states, ['2:pending', '3:transmitted', '4:acknowledged']);
    const acquit = parsePesAcquit((await client.fetchAcquit(sent.transmissionId))!);
    assert.equal(acquit.accepted, true);
    assert.equal(acquit.nomFic, 'PESALR2_21340123400017_250314_001.xml');
    assert.equal(acquit.elements.find((element) => element.domaine === '5')!.numBord, 42);

    await assert.rejects(client.send({ path: EXAMPLE, fileName: 'again.xml' }), /doublon détecté/);

    simulator.rejectNext('1971 - Compte fonction présent à tort', 318);
    const copy = path.join(dir, 'copy.xml');
    fs.writeFileSync(copy, `${fs.readFileSync(EXAMPLE, 'utf8')}\n`);
    const second = await client.send({ path: copy, fileName: 'copy.xml' });
    let last = await client.status(second.transmissionId);
    while (last.state !== 'rejected') last = await client.status(second.transmissionId);
    assert.equal(last.code, '6');
    const nack = parsePesAcquit((await client.fetchAcquit(second.transmissionId))!);
    assert.equal(nack.accepted, false);
    assert.equal(nack.elements[0]!.pieces[0]!.numPiece, 318);
  } finally {
    client.close();
    await simulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
