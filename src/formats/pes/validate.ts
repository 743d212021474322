// Schema validation of PES files with xmllint (libxml2-utils) against the official PES V2 schemas,
// read in place from the shared reference folder (never copied into the repository).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function pesSchemaDir(): string {
  return process.env.LIASSE_PES_XSD_DIR ?? path.resolve(REPO_ROOT, '../shared/reference/pes-v2/xsd');
}

export const PES_ALLER_SCHEMA = 'PES_V2/Rev0/PES_Aller.xsd';
export const PES_ACQUIT_SCHEMA = 'PES_V2/Rev0/PES_V2_Acquit_Autonome_V2.xsd';

export class XmllintMissingError extends Error {
  constructor() {
    super('xmllint est introuvable : installez libxml2-utils (`apt-get install libxml2-utils`) pour valider les fichiers PES.');
    this.name = 'XmllintMissingError';
  }
}

export function xmllintAvailable(): boolean {
  const probe = spawnSync('xmllint', ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

export type SchemaValidation = { valid: boolean; errors: string[] };

/** Validates `file` against a schema of the set (PES_ALLER_SCHEMA or PES_ACQUIT_SCHEMA). */
export async function validatePesFile(file: string, schema: string = PES_ALLER_SCHEMA): Promise<SchemaValidation> {
  const schemaPath = path.join(pesSchemaDir(), schema);
  if (!fs.existsSync(schemaPath)) {
    throw new Error(`Schéma PES introuvable : ${schemaPath} (définir LIASSE_PES_XSD_DIR vers le dossier xsd/ des schémas PES V2).`);
  }
  if (!xmllintAvailable()) throw new XmllintMissingError();
  return new Promise((resolve, reject) => {
    const child = spawn('xmllint', ['--noout', '--huge', '--schema', schemaPath, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 200_000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      // The schema set imports xmldsig twice (XAdES): libxml2 warns about it; only errors count.
      const errors = stderr
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.includes('Schemas parser warning') && !line.endsWith(' validates'));
      resolve({ valid: code === 0, errors });
    });
  });
}
