// Test support: validates a manifest against the official SEDA 2.2 schemas with xmllint (offline,
// through the reference catalog) and reads a ZIP back with yauzl.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

// The repository sits beside shared/ (../shared/reference/seda); LIASSE_SEDA_SCHEMA_DIR overrides it.
const REFERENCE = process.env.LIASSE_SEDA_SCHEMA_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/reference/seda');

export function validateSedaManifest(xml: string): { ok: boolean; output: string } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'liasse-seda-'));
  const file = path.join(directory, 'manifest.xml');
  fs.writeFileSync(file, xml);
  try {
    const output = execFileSync('xmllint', ['--noout', '--nonet', '--schema', path.join(REFERENCE, 'seda-2.2-main.xsd'), file], {
      env: { ...process.env, XML_CATALOG_FILES: path.join(REFERENCE, 'catalog.xml') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output: output.toString() };
  } catch (error) {
    const failure = error as { stderr?: Buffer; message: string };
    return { ok: false, output: failure.stderr?.toString() ?? failure.message };
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

export async function readZip(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))));
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
        stream.on('error', reject);
      });
    });
    zip.readEntry();
  });
  zip.close();
  return entries;
}
