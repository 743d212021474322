import { openContext } from '../../app/context.ts';
import { pollBordereau } from '../../app/mandate/acquits.ts';
import { type BordereauView, createBordereau, generateBordereauPes, getBordereau, listBordereaux, sendBordereau } from '../../app/mandate/bordereaux.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { validatePesFile } from '../../formats/pes/validate.ts';
import { channelFromConfig } from '../../teletransmission/index.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage: liasse bordereau <create|pes|send|status|show|list> [options] [--tenant T] [--json]

  create --budget CODE --exercice YYYY [--annulation]
                         Gather the pending mandats (and those to correct) in the next bordereau
  pes ID --out FILE [--validate]
                         Write its PES V2 PES_Aller (ISO-8859-1, PJ gzip+base64); --validate runs
                         xmllint against the PES V2 schemas
  send ID [--via drop-folder|s2low]
                         Transmit the PES (LIASSE_TDT, LIASSE_TDT_DIR, S2LOW_URL, S2LOW_CERT, S2LOW_KEY,
                         S2LOW_KEY_PASSPHRASE, S2LOW_CA, S2LOW_LOGIN, S2LOW_PASSWORD)
  status ID [--via …]    Ask the channel; imports the acquittement once available
  show ID | list [--budget CODE] [--exercice YYYY]

Options: --tenant T (id, SIREN or name), --json, --data-dir DIR, --database-url URL
`;

function print(bordereau: BordereauView): string {
  return [
    `Bordereau n° ${bordereau.numero} (${bordereau.typBord === '02' ? 'annulation/réduction' : 'ordinaire'}) — budget ${bordereau.budget}, exercice ${bordereau.exercice} — ${bordereau.statusLabel}`,
    `  ${bordereau.mandatCount} mandat(s) : ${bordereau.mandats.map((mandat) => mandat.numero).join(', ')}`,
    `  Total : HT ${bordereau.totalHT} · TVA ${bordereau.totalTVA} · TTC ${bordereau.totalTTC}`,
    ...(bordereau.pesFile ? [`  PES : ${bordereau.pesFile}${bordereau.transmissionId ? ` — transmis (${bordereau.channel}, ${bordereau.transmissionId})` : ''}`] : []),
    ...(bordereau.rejectionReason ? [`  Motif du comptable : ${bordereau.rejectionReason}`] : []),
    `  Id : ${bordereau.id}`,
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      tenant: { type: 'string' },
      json: { type: 'boolean' },
      budget: { type: 'string' },
      exercice: { type: 'string' },
      annulation: { type: 'boolean' },
      out: { type: 'string' },
      validate: { type: 'boolean' },
      via: { type: 'string' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [action, id] = parsed.positionals;
  if (!action || !['create', 'pes', 'send', 'status', 'show', 'list'].includes(action)) throw new UsageError(`expected create, pes, send, status, show or list\n${HELP.trim()}`);
  const context = await openContext(storeOverrides(parsed.values));
  try {
    const tenantId = await resolveTenantId(context.store.db, parsed.values.tenant);
    const json = parsed.values.json === true;
    if (action === 'create') {
      const exercice = Number(parsed.values.exercice);
      if (!parsed.values.budget || !Number.isInteger(exercice)) throw new UsageError(`--budget CODE and --exercice YYYY are required\n${HELP.trim()}`);
      const bordereau = await createBordereau(context, tenantId, CLI_ACTOR, { budgetCode: parsed.values.budget, exercice, kind: parsed.values.annulation ? 'annulation' : 'ordinaire' });
      if (json) printJson(bordereau);
      else process.stdout.write(`${print(bordereau)}\n`);
      return 0;
    }
    if (action === 'list') {
      const list = await listBordereaux(context.store.db, tenantId, {
        ...(parsed.values.budget ? { budgetCode: parsed.values.budget } : {}),
        ...(parsed.values.exercice ? { exercice: Number(parsed.values.exercice) } : {}),
      });
      if (json) printJson(list);
      else process.stdout.write(list.length ? `${list.map(print).join('\n\n')}\n` : 'Aucun bordereau.\n');
      return 0;
    }
    if (!id) throw new UsageError(`a bordereau id is required\n${HELP.trim()}`);
    if (action === 'show') {
      const bordereau = await getBordereau(context.store.db, tenantId, id);
      if (json) printJson(bordereau);
      else process.stdout.write(`${print(bordereau)}\n`);
      return 0;
    }
    if (action === 'pes') {
      if (!parsed.values.out) throw new UsageError(`--out FILE is required\n${HELP.trim()}`);
      const file = await generateBordereauPes(context, tenantId, CLI_ACTOR, { bordereauId: id, outFile: parsed.values.out });
      let validation: { valid: boolean; errors: string[] } | null = null;
      if (parsed.values.validate) validation = await validatePesFile(file.path);
      if (json) printJson({ ...file, ...(validation ? { validation } : {}) });
      else {
        process.stdout.write(`PES écrit : ${file.path} (${file.fileName}, ${file.size} octets, sha256 ${file.sha256})\n`);
        if (validation) process.stdout.write(validation.valid ? 'Conforme au schéma PES_Aller.\n' : `NON CONFORME :\n${validation.errors.join('\n')}\n`);
      }
      return validation && !validation.valid ? 1 : 0;
    }
    // Following a sent bordereau goes through the channel it was sent by, unless --via says otherwise.
    const sentThrough = action === 'send' ? undefined : (await getBordereau(context.store.db, tenantId, id)).channel ?? undefined;
    const channel = channelFromConfig(context.config, process.env, parsed.values.via ?? sentThrough);
    try {
      if (action === 'send') {
        const bordereau = await sendBordereau(context, tenantId, CLI_ACTOR, { bordereauId: id, channel });
        if (json) printJson(bordereau);
        else process.stdout.write(`${print(bordereau)}\n`);
        return 0;
      }
      const polled = await pollBordereau(context, tenantId, CLI_ACTOR, { bordereauId: id, channel });
      if (json) printJson(polled);
      else {
        process.stdout.write(`Transmission : ${polled.status.state} (${polled.status.code} ${polled.status.message})\n`);
        process.stdout.write(`${print(polled.bordereau)}\n`);
      }
      return 0;
    } finally {
      (channel as { close?: () => void }).close?.();
    }
  } finally {
    await context.close();
  }
}
