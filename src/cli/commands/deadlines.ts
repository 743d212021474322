import { openContext } from '../../app/context.ts';
import { findInvoiceId } from '../../app/decisions/lookup.ts';
import { listDeadlines, loadInterestRates, loadInvoiceDgp, proposeLatePaymentMandat, type RiskLevel, setInterestRate } from '../../app/deadlines/index.ts';
import { loadDeadlineSettings } from '../../app/deadlines/settings.ts';
import { todayInParis } from '../../domain/dgp.ts';
import { CLI_ACTOR } from '../../domain/roles.ts';
import { invoiceArgument, parseCommand, printJson, STORE_OPTIONS, storeOverrides, UsageError } from '../args.ts';

const HELP = `
Usage:
  liasse deadlines [list] [--risk late,at_risk,suspended,on_time,unknown] [--all] [--tenant ID] [--service CODE] [--today YYYY-MM-DD] [--json]
  liasse deadlines show --invoice ID [--today YYYY-MM-DD] [--json]
  liasse deadlines interest --invoice ID [--today YYYY-MM-DD] [--json]
  liasse deadlines rates [--json]
  liasse deadlines rates set YYYY-01-01|YYYY-07-01 ECB_RATE [--margin 8]

ID is the Liasse invoice id or the Chorus idFacture (also accepted without --invoice).
Délai global de paiement. "list" shows the invoices late or at risk (all open invoices with --all),
most urgent first. "interest" proposes the intérêts moratoires + 40 € indemnity of a late invoice as
a ready mandat. "rates" lists or edits the ECB rate table (the legal rate adds 8 points).
Settings: LIASSE_DGP_START (made_available|deposit), LIASSE_DGP_ORDONNATEUR_DAYS,
LIASSE_DGP_HOSPITAL_ORDONNATEUR_DAYS, LIASSE_DGP_RISK_DAYS, LIASSE_DGP_ORDONNATEUR_RISK_DAYS.
`;

const OPTIONS = {
  ...STORE_OPTIONS,
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  risk: { type: 'string' },
  tenant: { type: 'string' },
  service: { type: 'string' },
  today: { type: 'string' },
  margin: { type: 'string' },
  invoice: { type: 'string' },
} as const;

const RISK_LABELS: Record<RiskLevel, string> = {
  late: 'EN RETARD',
  at_risk: 'à risque',
  suspended: 'suspendue',
  on_time: 'dans les délais',
  unknown: 'dates inconnues',
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, OPTIONS, HELP);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [sub = 'list', ...rest] = positionals;
  const settings = loadDeadlineSettings();
  const today = values.today ?? todayInParis();
  const context = await openContext(storeOverrides(values));
  const db = context.store.db;
  try {
    switch (sub) {
      case 'list': {
        const risks = values.all
          ? undefined
          : ((values.risk ?? 'late,at_risk').split(',').map((risk) => risk.trim()) as RiskLevel[]);
        const rows = await listDeadlines(db, {
          today,
          settings,
          ...(risks ? { risks } : {}),
          ...(values.tenant ? { tenantId: values.tenant } : {}),
          ...(values.service ? { serviceCode: values.service } : {}),
        });
        if (values.json) {
          printJson(rows);
          return 0;
        }
        if (rows.length === 0) {
          process.stdout.write(`Aucune facture en retard ou à risque au ${today}.\n`);
          return 0;
        }
        for (const row of rows) {
          const left = row.dgp.daysLeft === null ? '?' : row.dgp.late ? `${row.dgp.daysLate} j de retard` : `${row.dgp.daysLeft} j restants`;
          const charges = row.charges ? `  intérêts ${row.charges.interest} € + 40 €` : row.chargesProblem ? `  (${row.chargesProblem})` : '';
          process.stdout.write(
            `${RISK_LABELS[row.risk].padEnd(16)} ${row.invoiceId}  n°${row.number ?? '?'}  ${row.sellerName ?? '?'}  ${row.amountTtc ?? '?'} € TTC  échéance ${row.dgp.expiryDate ?? '?'}  ${left}${charges}\n`,
          );
        }
        return 0;
      }
      case 'show': {
        const invoiceId = await findInvoiceId(db, requireArg(invoiceArgument(values.invoice, rest[0]), '--invoice ID'), values.tenant);
        const dgp = await loadInvoiceDgp(db, invoiceId, today, settings.dgp);
        if (values.json) printJson(dgp);
        else {
          process.stdout.write(
            [
              `Facture ${invoiceId} (${dgp.tenantKind}, ${dgp.totalDays} jours : ordonnateur ${dgp.ordonnateurDays}, comptable ${dgp.comptableDays})`,
              `  déposée le ${dgp.input.depositedAt ?? '?'}, mise à disposition le ${dgp.input.madeAvailableAt ?? '?'}`,
              `  départ du délai : ${dgp.startDate ?? '?'} (${dgp.startSource ?? '?'})`,
              `  suspension : ${dgp.suspendedDays} j${dgp.suspendedNow ? ' (en cours)' : ''}`,
              `  échéance ordonnateur : ${dgp.ordonnateurExpiryDate ?? '?'}, échéance : ${dgp.expiryDate ?? '?'}`,
              `  ${dgp.late ? `EN RETARD de ${dgp.daysLate} j` : `${dgp.daysLeft ?? '?'} j restants`} (${dgp.status})`,
            ].join('\n') + '\n',
          );
        }
        return 0;
      }
      case 'interest': {
        const invoiceId = await findInvoiceId(db, requireArg(invoiceArgument(values.invoice, rest[0]), '--invoice ID'), values.tenant);
        const proposal = await proposeLatePaymentMandat(db, invoiceId, { today, settings });
        if (values.json) printJson(proposal);
        else {
          process.stdout.write(`Mandat proposé (exercice ${proposal.exercice}, ${proposal.chapitre}/${proposal.nature}) : ${proposal.objet}\n`);
          for (const line of proposal.lines) process.stdout.write(`  ${line.amount.padStart(12)} €  ${line.label}\n`);
          process.stdout.write(`  ${proposal.amountTtc.padStart(12)} €  total\n`);
        }
        return 0;
      }
      case 'rates': {
        if (rest[0] === 'set') {
          const rate = await setInterestRate(
            db,
            { validFrom: requireArg(rest[1], 'YYYY-01-01|YYYY-07-01'), ecbRate: requireArg(rest[2], 'ECB_RATE'), ...(values.margin ? { margin: values.margin } : {}) },
            CLI_ACTOR,
          );
          if (values.json) printJson(rate);
          else process.stdout.write(`Taux du ${rate.validFrom} : BCE ${rate.ecbRate} % + ${rate.margin} points.\n`);
          return 0;
        }
        const rates = await loadInterestRates(db);
        if (values.json) printJson(rates);
        else for (const rate of rates) process.stdout.write(`${rate.validFrom}  BCE ${rate.ecbRate.padStart(5)} %  + ${rate.margin}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}"\n${HELP.trim()}`);
    }
  } finally {
    await context.close();
  }
}

function requireArg(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`missing ${name}\n${HELP.trim()}`);
  return value;
}
