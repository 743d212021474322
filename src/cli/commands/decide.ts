import { decide } from '../../app/decisions/index.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { openContext } from '../../app/context.ts';
import { DECISION_LABELS, DECISION_REASONS, groupedCatalogue, proposeDecision } from '../../domain/decisions/index.ts';
import { type DecisionKind, STATUS_LABELS } from '../../domain/lifecycle.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse decide suspend|reject|recycle --invoice ID --reason CODE [--reason CODE…] [--comment TEXT] [--json]
  liasse decide service-fait --invoice ID [--comment TEXT] [--json]
  liasse decide reasons [--json]                 the reason catalogue, grouped
  liasse decide propose --reason CODE [--reason CODE…] [--json]
                                                 the decision the guided choice proposes

Takes a decision on a received invoice: suspendre (SUSPENDUE: a document or mention to complete,
once only, before the mandat), rejeter (REJETEE: final, a new invoice is needed), renvoyer au
recyclage (A_RECYCLER: wrong routing — SIRET, service, engagement), or certifier le service fait
(SERVICE_FAIT). The new status, its publication to Chorus Pro and the audit entry are written
together; \`liasse publish\` posts it. The motif sent to the supplier is built from the reasons'
wording and the comment (255 characters at most).

Options:
  --invoice ID     Liasse invoice id, or the Chorus idFacture
  --reason CODE    a code of \`liasse decide reasons\` (repeatable)
  --comment TEXT   added to the motif sent to the supplier
  --tenant T       authority (id, SIREN or name) when the idFacture is ambiguous
  --json           machine-readable output
`;

const KINDS: Record<string, DecisionKind> = {
  suspend: 'suspend',
  suspendre: 'suspend',
  reject: 'reject',
  rejeter: 'reject',
  recycle: 'recycle',
  recycler: 'recycle',
  'service-fait': 'service_fait',
  service_fait: 'service_fait',
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      ...STORE_OPTIONS,
      invoice: { type: 'string' },
      reason: { type: 'string', multiple: true },
      comment: { type: 'string' },
      tenant: { type: 'string' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (!parsed) return 0;
  const [verb] = parsed.positionals;
  const reasons = (parsed.values.reason ?? []).flatMap((value) => value.split(',')).filter((value) => value.trim() !== '');

  if (verb === 'reasons') {
    const catalogue = groupedCatalogue();
    if (parsed.values.json) printJson(catalogue);
    else {
      for (const [group, items] of Object.entries(catalogue)) {
        process.stdout.write(`${DECISION_LABELS[group as DecisionKind]}\n`);
        for (const reason of items) {
          const proposes = reason.proposes !== reason.group ? `  → propose : ${reason.proposes}` : '';
          process.stdout.write(`  ${reason.code.padEnd(30)} ${reason.label}${proposes}\n      « ${reason.wording} »\n`);
        }
      }
    }
    return 0;
  }
  if (verb === 'propose') {
    if (reasons.length === 0) throw new UsageError(`--reason is required\n${HELP.trim()}`);
    const proposed = proposeDecision(reasons);
    if (parsed.values.json) printJson({ proposed });
    else process.stdout.write(`Décision proposée : ${proposed ? DECISION_LABELS[proposed] : 'aucune'}\n`);
    return 0;
  }
  const decision = verb ? KINDS[verb] : undefined;
  if (!decision) throw new UsageError(`expected suspend, reject, recycle, service-fait, reasons or propose\n${HELP.trim()}`);
  if (!parsed.values.invoice) throw new UsageError(`--invoice is required\n${HELP.trim()}`);
  if (decision !== 'service_fait' && reasons.length === 0) {
    throw new UsageError(`--reason is required (codes: ${DECISION_REASONS.map((reason) => reason.code).join(', ')})`);
  }

  const context = await openContext(storeOverrides(parsed.values));
  try {
    const db = context.store.db;
    let tenantId: string | undefined;
    if (parsed.values.tenant) {
      const { resolveTenantId } = await import('../../app/tenants.ts');
      tenantId = await resolveTenantId(db, parsed.values.tenant);
    }
    const invoiceId = await findInvoiceId(db, parsed.values.invoice, tenantId);
    const result = await decide(db, {
      invoiceId,
      decision,
      reasons,
      comment: parsed.values.comment ?? null,
      actor: CLI_ACTOR,
      ...(tenantId ? { tenantId } : {}),
    });
    if (parsed.values.json) printJson(result);
    else {
      for (const warning of result.warnings) process.stderr.write(`Attention : ${warning}\n`);
      process.stdout.write(
        `Facture ${invoiceId} : ${STATUS_LABELS[result.from]} → ${STATUS_LABELS[result.to]}.` +
          (result.chorusStatus ? ` ${result.chorusStatus} en attente de publication sur Chorus Pro (liasse publish).` : '') +
          '\n',
      );
      if (result.motif) process.stdout.write(`Motif transmis au fournisseur : « ${result.motif} »\n`);
    }
    return 0;
  } finally {
    await context.close();
  }
}
