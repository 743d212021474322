// A demonstration installation, built only through the use cases: the Chorus Pro simulator seeded
// with a realistic authority, the tenant created from it, its budgets, tiers and engagements
// imported from the simulator's referential (what the accounting software would export), one
// sync, the automatic matching, and the account demo/demo. Used by `liasse demo`, the browser
// tests and bench/web.ts.
import type { AppContext } from '../app/context.ts';
import { runMatching } from '../app/match/run.ts';
import { importJson } from '../app/referential/import.ts';
import { loadSecretKey } from '../app/secrets.ts';
import { syncTenant } from '../app/sync/sync.ts';
import { createTenant } from '../app/tenants.ts';
import { createUser, findUserByUsername, grantRole } from '../app/users/users.ts';
import { type ChorusSimulator, type SeedReferential, startChorusSimulator } from '../chorus/simulator/index.ts';
import { CLI_ACTOR, type Role } from '../domain/roles.ts';

export const DEMO_USERNAME = 'demo';
export const DEMO_PASSWORD = 'demo';

export type DemoOptions = {
  invoices?: number;
  seed?: string | number;
  /** Port of the simulator (default: any free port). */
  simulatorPort?: number;
  log?: (line: string) => void;
  /** Create the demo/demo account (administrateur). Default true. */
  demoAccount?: boolean;
  /** Name of the collectivité (default: the simulator's authority). */
  tenantName?: string;
};

export type Demo = { simulator: ChorusSimulator; tenantId: string; referential: SeedReferential; close(): Promise<void> };

/** Budget code of each seeded structure: BP for the budget principal, BA1, BA2… for the annexes. */
export function budgetCodes(referential: SeedReferential): Map<string, string> {
  const codes = new Map<string, string>();
  let annex = 0;
  for (const budget of referential.budgets) codes.set(budget.siret, budget.budget === 'principal' ? 'BP' : `BA${(annex += 1)}`);
  return codes;
}

/** The accounting software's export, as import rows (same column names as the CSV files). */
export function referentialRows(referential: SeedReferential) {
  const codes = budgetCodes(referential);
  const known = new Set(referential.suppliers.map((supplier) => supplier.siret));
  const budgets = referential.budgets.map((budget, index) => ({
    code: codes.get(budget.siret)!,
    libelle: budget.budgetLabel,
    siret: budget.siret,
    // The annexes (water, transport…) recover VAT: their mandats are HT.
    tva: budget.budget === 'principal' ? 'TTC' : 'HT',
    nomenclature: budget.budget === 'principal' ? 'M57' : 'M49',
    codcol: '123',
    codbud: String(index).padStart(2, '0'),
    idpost: '049099',
  }));
  const tiers = referential.suppliers.map((supplier) => ({
    siret: supplier.siret,
    nom: supplier.name,
    iban: supplier.iban,
    tva: supplier.vatId,
    adresse: [supplier.address.line1, supplier.address.postCode, supplier.address.city].filter(Boolean).join(' '),
  }));
  const engagements = referential.engagements.map((engagement) => ({
    numero: engagement.numero,
    exercice: engagement.dateEngagement.slice(0, 4),
    budget: codes.get(engagement.structureSiret) ?? 'BP',
    ...(known.has(engagement.supplierSiret) ? { siret_tiers: engagement.supplierSiret } : {}),
    montant: engagement.amountTTC,
    montant_ht: engagement.amountHT,
    liquide: engagement.consumedBeforeTTC,
    ...(engagement.serviceCode ? { service: engagement.serviceCode } : {}),
    section: 'F',
    chapitre: '011',
    nature: '6068',
    fonction: '020',
    objet: `Commande ${engagement.numero}`,
    ...(engagement.numeroMarche ? { marche: engagement.numeroMarche } : {}),
  }));
  return { budgets, tiers, engagements };
}

export async function ensureUser(context: AppContext, tenantId: string, username: string, password: string, role: Role, displayName?: string): Promise<void> {
  const db = context.store.db;
  const existing = await findUserByUsername(db, username);
  const id = existing?.id ?? (await createUser(db, CLI_ACTOR, { username, password, displayName, allowWeakPassword: true })).id;
  await grantRole(db, CLI_ACTOR, { userId: id, tenantId, role });
}

export async function setUpDemo(context: AppContext, options: DemoOptions = {}): Promise<Demo> {
  const log = options.log ?? (() => undefined);
  const simulator = await startChorusSimulator({ port: options.simulatorPort ?? 0, host: '127.0.0.1', invoices: options.invoices ?? 300, seed: options.seed ?? 'liasse-demo' });
  try {
    const referential = simulator.state.referential();
    const db = context.store.db;
    const tenant = await createTenant(
      db,
      {
        name: options.tenantName ?? referential.authority.name,
        siren: referential.authority.siren,
        kind: 'commune',
        chorus: { apiUrl: simulator.url, tokenUrl: simulator.tokenUrl, ...simulator.credentials },
      },
      loadSecretKey(context.config),
      { actor: 'system:demo' },
    );
    log(`Collectivité créée : ${tenant.name}`);
    const rows = referentialRows(referential);
    for (const kind of ['budgets', 'tiers', 'engagements'] as const) {
      const report = await importJson(db, tenant.id, kind, rows[kind], { actor: 'system:demo', source: 'simulateur' });
      log(`Import ${kind} : ${report.created} créé(s), ${report.rejected.length} rejeté(s)`);
    }
    const firstDay = `${Number(referential.referenceDate.slice(0, 4)) - 1}-01-01`;
    const sync = await syncTenant(context, tenant.id, { since: firstDay, log: () => undefined });
    log(`Synchronisation : ${sync.new} facture(s) intégrée(s), ${sync.quarantined} en quarantaine`);
    const matches = await runMatching(context.store, tenant.id, { actor: 'system:demo' });
    log(`Rapprochement automatique : ${matches.filter((match) => match.status === 'matched').length} rapprochée(s), ${matches.filter((match) => match.status === 'suggested').length} suggestion(s)`);
    if (options.demoAccount !== false) await ensureUser(context, tenant.id, DEMO_USERNAME, DEMO_PASSWORD, 'administrateur', 'Compte de démonstration');
    return { simulator, tenantId: tenant.id, referential, close: () => simulator.close() };
  } catch (error) {
    await simulator.close().catch(() => undefined);
    throw error;
  }
}
