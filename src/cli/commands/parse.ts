import fs from 'node:fs/promises';

import { invoiceSummary, isInvoiceFormatError, readInvoiceFile } from '../../formats/index.ts';
import { parseCommand, printJson, UsageError } from '../args.ts';

const HELP = `
Usage: liasse parse FILE... [--json] [--text]

Reads each invoice file (UBL, CII, ZUGFeRD 1, Factur-X/ZUGFeRD PDF, Chorus pivot, PDF-only) and
prints its EN 16931 data. With --json: one JSON object per line and per file (JSON Lines), with
"file" and either "error" or the invoice fields. Exit 0 when every file was read, 2 otherwise.
`;

function oneSentence(file: string, error: unknown): string {
  if (isInvoiceFormatError(error)) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${file}: the file does not exist.`;
  if (code === 'EISDIR') return `${file}: is a directory, not a file.`;
  if (code === 'EACCES') return `${file}: the file cannot be read (permission denied).`;
  return `${file}: could not be read (${(error as Error).message.split('\n')[0]}).`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { json: { type: 'boolean' }, text: { type: 'boolean' } }, HELP);
  if (!parsed) return 0;
  if (parsed.positionals.length === 0) throw new UsageError(`expected at least one FILE\n${HELP.trim()}`);
  let failed = false;
  for (const file of parsed.positionals) {
    try {
      const content = await fs.readFile(file);
      const { invoice } = await readInvoiceFile(content, file, { extractText: parsed.values.text ?? undefined });
      const summary = invoiceSummary(invoice);
      if (parsed.values.json) {
        printJson({ file, ...summary, ...(parsed.values.text ? { text: invoice.text } : {}) });
      } else {
        const t = summary.totals;
        process.stdout.write(
          `${file}: ${summary.format}${summary.profile ? ` (${summary.profile})` : ''} ${summary.documentType === 'creditNote' ? 'avoir' : 'facture'} ${summary.number ?? '—'} du ${summary.issueDate ?? '—'}, ` +
            `${summary.seller.name ?? '—'} → ${summary.buyer.name ?? '—'}, HT ${t.taxExclusive ?? '—'} TVA ${t.tax ?? '—'} TTC ${t.taxInclusive ?? '—'} à payer ${t.payable ?? '—'} ${summary.currency ?? ''}, ` +
            `${summary.lines.length} ligne(s), ${summary.attachments.length} pièce(s) jointe(s)\n`,
        );
      }
    } catch (error) {
      failed = true;
      const message = oneSentence(file, error);
      if (parsed.values.json) printJson({ file, error: message });
      process.stderr.write(`liasse parse: ${message}\n`);
    }
  }
  return failed ? 2 : 0;
}
