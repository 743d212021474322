// XSD validation through libxml2's xmllint (Debian libxml2-utils) run as a subprocess: there is no
// solid pure-JS XSD validator. UBL 2.1, CII D16B ("uncoupled" code lists: code lists are left to
// the business rules) and the Chorus pivot (V1_22 or V2_02 after its Version attribute).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvoiceFormatError } from './errors.ts';
import { classifyRoot } from './read.ts';
import { decodeXml } from './xml/decode.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type SchemaKind = 'UBL-Invoice' | 'UBL-CreditNote' | 'CII' | 'PIVOT-V1' | 'PIVOT-V2';
export type SchemaResult = { valid: boolean; schema: SchemaKind; errors: string[] };

export function schemaPath(kind: SchemaKind): string {
  const schemas = process.env.LIASSE_SCHEMAS_DIR ?? path.resolve(REPO, '../shared/corpus/schemas');
  const pivot = process.env.LIASSE_PIVOT_XSD_DIR ?? path.resolve(REPO, '../shared/reference/chorus-pro/pivot-xsd');
  switch (kind) {
    case 'UBL-Invoice':
      return path.join(schemas, 'ubl-2.1/maindoc/UBL-Invoice-2.1.xsd');
    case 'UBL-CreditNote':
      return path.join(schemas, 'ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd');
    case 'CII':
      return path.join(schemas, 'cii-d16b/uncoupled-clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd');
    case 'PIVOT-V1':
      return path.join(pivot, 'CPPFacturePivot_V1_22.xsd');
    case 'PIVOT-V2':
      return path.join(pivot, 'CPPFacturePivot_V2_02.xsd');
  }
}

/** The schema an XML document calls for, from its root element. */
export function detectSchema(content: Uint8Array, filename: string): SchemaKind {
  const head = decodeXml(content.subarray(0, Math.min(content.length, 8192))).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, '');
  const match = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(head);
  if (!match) throw new InvoiceFormatError(filename, 'the XML document', 'has no root element');
  const prefix = match[1]?.slice(0, -1);
  const ns = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(match[3] ?? '')?.[1] ?? null;
  const kind = classifyRoot(match[2]!, ns);
  if (kind === 'UBL') return match[2] === 'CreditNote' ? 'UBL-CreditNote' : 'UBL-Invoice';
  if (kind === 'CII') return 'CII';
  if (kind === 'PIVOT') return /Version\s*=\s*["']V2/.test(match[3] ?? '') ? 'PIVOT-V2' : 'PIVOT-V1';
  throw new InvoiceFormatError(filename, `the root element <${match[2]}>`, 'has no XSD here: expected UBL 2.1, CII D16B or a Chorus pivot');
}

/**
 * Validates with `xmllint --noout --nonet --schema`. Never resolves a DTD: a document with a
 * DOCTYPE is refused before xmllint sees it. Throws when xmllint is missing, naming the fix.
 */
export async function validateXmlAgainstSchema(content: Uint8Array, filename: string, schema?: SchemaKind): Promise<SchemaResult> {
  const head = decodeXml(content.subarray(0, Math.min(content.length, 65536)));
  if (/<!DOCTYPE/i.test(head)) throw new InvoiceFormatError(filename, 'the DOCTYPE declaration', 'is refused: DTDs and entity declarations are never processed in an invoice');
  const kind = schema ?? detectSchema(content, filename);
  const xsd = schemaPath(kind);
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn('xmllint', ['--noout', '--nonet', '--schema', xsd, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 200_000) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new Error('xmllint is not installed: install it with `apt-get install libxml2-utils` (XSD validation needs libxml2).'));
      else reject(error);
    });
    child.on('close', (exitCode) => resolve({ code: exitCode ?? 1, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(content.buffer, content.byteOffset, content.byteLength));
  });
  const errors = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/validates$/.test(line) && !/fails to validate$/.test(line))
    .map((line) => line.replace(/^-:/, `${filename}:`));
  if (code !== 0 && code !== 3 && errors.length === 0) errors.push(`xmllint exited with code ${code}`);
  if (code === 5) throw new Error(`the schema ${xsd} could not be loaded by xmllint: ${errors[0] ?? ''}`);
  return { valid: code === 0, schema: kind, errors };
}
