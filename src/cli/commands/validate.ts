import fs from 'node:fs/promises';

import { isInvoiceFormatError, readInvoiceFile, validateInvoice, validateXmlAgainstSchema, type Finding } from '../../formats/index.ts';
import { parseCommand, printJson, UsageError } from '../args.ts';

const HELP = `
Usage: liasse validate FILE [--json] [--no-xsd] [--public-buyer] [--require-service-code] [--require-engagement]

Checks an invoice: XSD (UBL 2.1, CII D16B, Chorus pivot; through xmllint) for XML files, then the
EN 16931 business rules (BR-*, BR-CO-*, VAT categories). --public-buyer adds the French public
recipient rules (buyer SIRET); --require-service-code / --require-engagement make BT-10 / BT-13
mandatory. Exit 0 valid, 1 invalid (a fatal finding), 2 unreadable.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      json: { type: 'boolean' },
      'no-xsd': { type: 'boolean' },
      'public-buyer': { type: 'boolean' },
      'require-service-code': { type: 'boolean' },
      'require-engagement': { type: 'boolean' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [file, ...extra] = parsed.positionals;
  if (!file || extra.length > 0) throw new UsageError(`expected exactly one FILE\n${HELP.trim()}`);
  let content: Buffer;
  let findings: Finding[];
  try {
    content = await fs.readFile(file);
    const { invoice } = await readInvoiceFile(content, file);
    const requireServiceCode = parsed.values['require-service-code'] ?? false;
    const requireEngagement = parsed.values['require-engagement'] ?? false;
    const french = parsed.values['public-buyer'] || requireServiceCode || requireEngagement;
    findings = validateInvoice(invoice, french ? { frenchPublicRecipient: { requireServiceCode, requireEngagement } } : {});
    const isXml = !Buffer.from(content.subarray(0, 1024)).toString('latin1').includes('%PDF-');
    if (isXml && !parsed.values['no-xsd'] && invoice.format !== 'ZUGFERD1') {
      const schema = await validateXmlAgainstSchema(content, file);
      for (const error of schema.errors.slice(0, 50)) {
        findings.unshift({ rule: 'XSD', severity: 'fatal', bt: '', location: schema.schema, messageFr: `Schéma XSD non respecté : ${error}`, messageEn: `XSD violation: ${error}` });
      }
    }
  } catch (error) {
    const message = isInvoiceFormatError(error) ? error.message : `${file}: could not be read (${(error as Error).message.split('\n')[0]}).`;
    if (parsed.values.json) printJson({ file, error: message });
    process.stderr.write(`liasse validate: ${message}\n`);
    return 2;
  }
  const valid = !findings.some((finding) => finding.severity === 'fatal');
  if (parsed.values.json) {
    printJson({ file, valid, findings });
  } else {
    for (const finding of findings) {
      process.stdout.write(`${finding.severity === 'fatal' ? 'ERREUR' : 'avertissement'} ${finding.rule} ${finding.bt} ${finding.location} — ${finding.messageFr}\n`);
    }
    process.stdout.write(valid ? `${file}: facture valide.\n` : `${file}: facture invalide.\n`);
  }
  return valid ? 0 : 1;
}
