import { openContext } from '../../app/context.ts';
import {
  decideElimination,
  executeElimination,
  exportArchivePackage,
  type ExportSelector,
  getEliminationProposal,
  listEliminationProposals,
  listRetentionRules,
  loadArchiveSettings,
  proposeEliminations,
  searchArchive,
  setRetentionRule,
} from '../../app/archive/index.ts';
import { resolveTenantId } from '../../app/tenants.ts';
import { todayInParis } from '../../domain/dgp.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse archive export (--mandat ID | --bordereau ID | --from YYYY-MM-DD --to YYYY-MM-DD [--tenant T]) --out FILE.zip [--json]
  liasse archive search [TEXT] [--tenant T] [--exercice YYYY] [--json]
  liasse archive retention [--tenant T] [--json]
  liasse archive retention set CLASS YEARS [--keep] [--rule CODE] [--tenant T | --installation]
  liasse archive eliminations [list] [--tenant T] [--json]
  liasse archive eliminations propose [--tenant T] [--today YYYY-MM-DD]
  liasse archive eliminations show ID [--json]
  liasse archive eliminations approve ID --note "visa …"
  liasse archive eliminations reject ID --note "motif …"
  liasse archive eliminations execute ID

export writes a SEDA 2.2 ArchiveTransfer ZIP (manifest.xml + files, each with its SHA-256).
Retention defaults to 10 years from the end of the exercice, then destruction — proposed to the
archivist, never automatic. Classes: facture, mandat, bordereau.
Settings: LIASSE_SEDA_ARCHIVAL_AGENCY, LIASSE_SEDA_ARCHIVAL_AGREEMENT, LIASSE_SEDA_ARCHIVAL_PROFILE,
LIASSE_SEDA_ACCESS_RULE (AR038).
`;

const OPTIONS = {
  ...STORE_OPTIONS,
  json: { type: 'boolean' },
  mandat: { type: 'string' },
  bordereau: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  out: { type: 'string' },
  tenant: { type: 'string' },
  exercice: { type: 'string' },
  today: { type: 'string' },
  note: { type: 'string' },
  keep: { type: 'boolean' },
  rule: { type: 'string' },
  installation: { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  if (!sub) throw new UsageError(HELP.trim());
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  const out = (value: unknown, text: string) => (values.json ? printJson(value) : process.stdout.write(text.endsWith('\n') ? text : `${text}\n`));
  try {
    switch (sub) {
      case 'export': {
        if (!values.out) throw new UsageError(`--out FILE.zip is required\n${HELP.trim()}`);
        let selector: ExportSelector;
        if (values.mandat) selector = { mandatId: values.mandat };
        else if (values.bordereau) selector = { bordereauId: values.bordereau };
        else if (values.from && values.to) selector = { tenantId: await resolveTenantId(db, values.tenant), from: values.from, to: values.to };
        else throw new UsageError(`give --mandat, --bordereau, or --from and --to\n${HELP.trim()}`);
        const result = await exportArchivePackage(context, selector, values.out, loadArchiveSettings(), CLI_ACTOR);
        out(result, `Paquet SEDA ${result.messageIdentifier} écrit dans ${result.out} : ${result.mandats} mandat(s), ${result.invoices} facture(s), ${result.files.length} fichier(s).`);
        return 0;
      }
      case 'search': {
        const tenantId = await resolveTenantId(db, values.tenant);
        const result = await searchArchive(db, { tenantId, ...(rest[0] ? { text: rest.join(' ') } : {}), ...(values.exercice ? { exercice: Number(values.exercice) } : {}) });
        out(
          result,
          [`${result.total} facture(s) archivée(s)`, ...result.rows.map((row) => `${row.invoiceId}  n°${row.number ?? '?'}  ${row.sellerName ?? '?'}  ${row.amountTtc ?? '?'} €  ${row.mandat ? `mandat ${row.mandat.numero}/${row.mandat.exercice}` : 'sans mandat'}  conservation jusqu'au ${row.retentionEnd}${row.elimination !== 'none' ? `  élimination ${row.elimination}` : ''}`)].join('\n'),
        );
        return 0;
      }
      case 'retention': {
        if (rest[0] === 'set') {
          const [, documentClass, years] = rest;
          if (!documentClass || !years) throw new UsageError(`retention set CLASS YEARS\n${HELP.trim()}`);
          const tenantId = values.installation ? null : await resolveTenantId(db, values.tenant);
          await setRetentionRule(db, { tenantId, documentClass, years: Number(years), finalAction: values.keep ? 'keep' : 'destroy', appraisalRuleCode: values.rule ?? null }, CLI_ACTOR);
          process.stdout.write(`Règle enregistrée : ${documentClass}, ${years} ans après la fin de l'exercice, puis ${values.keep ? 'conservation' : 'élimination (sur visa)'}.\n`);
          return 0;
        }
        const rules = await listRetentionRules(db, await resolveTenantId(db, values.tenant));
        out(rules, rules.map((rule) => `${rule.documentClass.padEnd(10)} ${rule.years} ans après la fin de l'exercice, puis ${rule.finalAction === 'keep' ? 'conservation' : 'élimination'} (${rule.appraisalRuleCode}, ${rule.source})`).join('\n'));
        return 0;
      }
      case 'eliminations': {
        const [action = 'list', id] = rest;
        const needId = () => {
          if (!id) throw new UsageError(`missing proposal ID\n${HELP.trim()}`);
          return id;
        };
        switch (action) {
          case 'list': {
            const tenantId = values.tenant ? await resolveTenantId(db, values.tenant) : undefined;
            const rows = await listEliminationProposals(db, tenantId);
            out(rows, rows.length ? rows.map((row) => `${row.id}  ${row.status.padEnd(9)} ${row.item_count} document(s)  proposé le ${row.created_at.slice(0, 10)}${row.decision_note ? `  (${row.decision_note})` : ''}`).join('\n') : "Aucune proposition d'élimination.");
            return 0;
          }
          case 'propose': {
            const proposal = await proposeEliminations(db, await resolveTenantId(db, values.tenant), values.today ?? todayInParis(), CLI_ACTOR);
            out(proposal, proposal ? `Proposition ${proposal.id} : ${proposal.items.length} document(s) à soumettre au visa de l'archiviste.\n${proposal.items.map((item) => `  ${item.label} (conservation échue le ${item.retentionEnd})`).join('\n')}` : "Aucun document n'a dépassé sa durée de conservation.");
            return 0;
          }
          case 'show': {
            const proposal = await getEliminationProposal(db, needId());
            out(proposal, [`Proposition ${proposal.id} – ${proposal.status}`, ...proposal.items.map((item) => `  ${item.entity} ${item.entityId}  ${item.label}  (échue le ${item.retentionEnd}, ${item.files.length} fichier(s))`)].join('\n'));
            return 0;
          }
          case 'approve':
          case 'reject': {
            if (!values.note) throw new UsageError('--note is required (visa reference or reason)');
            await decideElimination(db, needId(), action, values.note, CLI_ACTOR);
            process.stdout.write(action === 'approve' ? 'Visa enregistré. Exécutez « liasse archive eliminations execute ID » pour détruire les fichiers.\n' : 'Refus enregistré.\n');
            return 0;
          }
          case 'execute': {
            const result = await executeElimination(db, context.blobs, needId(), CLI_ACTOR);
            out(result, `${result.destroyed.length} fichier(s) détruit(s), ${result.kept.length} conservé(s) car utilisés ailleurs.`);
            return 0;
          }
          default:
            throw new UsageError(`unknown action "${action}"\n${HELP.trim()}`);
        }
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}"\n${HELP.trim()}`);
    }
  } finally {
    await context.close();
  }
}
