// Deterministic seeded data: one commune with a budget principal and two budgets annexes (each its
// own Chorus structure), its services, 36 suppliers, engagements, and invoices in every form a
// recipient gets, with planted anomalies for the matching work. Same seed + same reference date →
// the same dataset, byte for byte.
import { Decimal } from '../../domain/money.ts';
import type { ChorusStatus } from '../types.ts';
import { FRENCH_BANKS, frenchVatId, makeFrenchIban, makeSiren, makeSiret } from './identifiers.ts';
import type {
  Address,
  InvoiceForm,
  PlantedAnomaly,
  SimAttachment,
  SimDataset,
  SimEngagement,
  SimHisto,
  SimInvoice,
  SimLine,
  SimService,
  SimStructure,
  SimSupplier,
  SimTotals,
  SimVat,
} from './model.ts';
import { createRng, type Rng } from './prng.ts';

export const FIRST_INVOICE_ID = 100_001;

type CatalogItem = { name: string; unit: string; price: [number, number]; rate: string };
type Category = { key: string; names: string[]; items: CatalogItem[] };

const EXEMPTION_REASON = 'Exonération de TVA, article 261-4-4° a du CGI (formation professionnelle)';
const EXEMPTION_CODE = 'VATEX-FR-261-4-4A';

const CATEGORIES: Category[] = [
  {
    key: 'btp',
    names: ['Bâtiment Loire Construction', 'SAS Maçonnerie Durand', 'Couverture Arnaud et Fils', 'Voirie et Réseaux du Val', 'Menuiserie Lemoine'],
    items: [
      { name: 'Réfection de chaussée (m²)', unit: 'MTK', price: [18, 65], rate: '20' },
      { name: "Main-d'œuvre compagnon (heure)", unit: 'HUR', price: [38, 55], rate: '20' },
      { name: 'Remplacement de gouttières (ml)', unit: 'MTR', price: [22, 48], rate: '20' },
      { name: 'Travaux de rénovation énergétique logement communal', unit: 'C62', price: [800, 6000], rate: '5.5' },
      { name: 'Réparation mur de clôture', unit: 'C62', price: [400, 2500], rate: '20' },
    ],
  },
  {
    key: 'fournitures',
    names: ['Bureau Plus Fournitures', 'Papeterie Centrale', 'Équipements Scolaires du Centre', 'Hygiène Services Pro'],
    items: [
      { name: 'Ramettes papier A4 80 g (carton de 5)', unit: 'C62', price: [18, 32], rate: '20' },
      { name: 'Manuels scolaires cycle 3', unit: 'C62', price: [12, 28], rate: '5.5' },
      { name: 'Produits d’entretien (lot)', unit: 'C62', price: [35, 120], rate: '20' },
      { name: 'Mobilier scolaire — table réglable', unit: 'C62', price: [85, 190], rate: '20' },
    ],
  },
  {
    key: 'informatique',
    names: ['Numérique Territoires', 'InfoServices Collectivités', 'Réseaux et Télécoms de l’Ouest'],
    items: [
      { name: 'Maintenance logiciel métier (mois)', unit: 'MON', price: [150, 900], rate: '20' },
      { name: 'Poste de travail portable', unit: 'C62', price: [650, 1200], rate: '20' },
      { name: 'Abonnement fibre mairie (mois)', unit: 'MON', price: [60, 240], rate: '20' },
    ],
  },
  {
    key: 'energie',
    names: ['Énergies du Val', 'Gaz et Chaleur Services', 'Combustibles Martin'],
    items: [
      { name: 'Fourniture électricité bâtiments (MWh)', unit: 'MWH', price: [120, 260], rate: '20' },
      { name: 'Abonnement compteur', unit: 'C62', price: [25, 80], rate: '5.5' },
      { name: 'Fioul domestique (litre)', unit: 'LTR', price: [1, 2], rate: '20' },
    ],
  },
  {
    key: 'restauration',
    names: ['Restauration Collective du Val', 'Les Cuisines de Loire', 'Boulangerie Moreau'],
    items: [
      { name: 'Repas restaurant scolaire', unit: 'C62', price: [3, 6], rate: '5.5' },
      { name: 'Repas portage à domicile', unit: 'C62', price: [7, 11], rate: '10' },
      { name: 'Pain et viennoiseries (lot)', unit: 'C62', price: [20, 90], rate: '5.5' },
    ],
  },
  {
    key: 'services',
    names: ['Espaces Verts Rivière', 'Nettoyage Pro Ouest', 'Sécurité Incendie Contrôles', 'Bureau Études Hydrauliques'],
    items: [
      { name: 'Tonte et entretien espaces verts (passage)', unit: 'C62', price: [180, 900], rate: '20' },
      { name: 'Nettoyage des locaux (mois)', unit: 'MON', price: [400, 2200], rate: '20' },
      { name: 'Vérification extincteurs', unit: 'C62', price: [9, 18], rate: '20' },
      { name: 'Étude diagnostic réseau d’assainissement', unit: 'C62', price: [1500, 9000], rate: '20' },
    ],
  },
  {
    key: 'eau',
    names: ['Hydro Réseaux Loire', 'Analyses Eaux Laboratoire Régional', 'Pompes et Forages Thomas'],
    items: [
      { name: 'Analyse qualité eau potable', unit: 'C62', price: [60, 240], rate: '5.5' },
      { name: 'Réparation de fuite réseau eau potable', unit: 'C62', price: [600, 4800], rate: '10' },
      { name: 'Curage réseau assainissement (ml)', unit: 'MTR', price: [4, 12], rate: '10' },
    ],
  },
  {
    key: 'transport',
    names: ['Autocars du Val', 'Transports Scolaires Bernard', 'Taxi Ambulances Lucas'],
    items: [
      { name: 'Circuit de ramassage scolaire (jour)', unit: 'DAY', price: [180, 420], rate: '10' },
      { name: 'Sortie scolaire en autocar', unit: 'C62', price: [250, 900], rate: '10' },
    ],
  },
  {
    key: 'formation-presse',
    names: ['Centre de Formation des Élus', 'Presse et Abonnements Publics', 'Institut Formation Territoriale'],
    items: [
      { name: 'Formation des agents (journée)', unit: 'DAY', price: [350, 1200], rate: '0' },
      { name: 'Abonnement quotidien régional', unit: 'C62', price: [180, 420], rate: '2.1' },
      { name: 'Abonnement revue juridique', unit: 'C62', price: [90, 300], rate: '2.1' },
    ],
  },
];

const STREETS = ['rue de la République', 'avenue Jean Jaurès', 'rue Victor Hugo', 'boulevard Pasteur', 'rue des Tilleuls', 'chemin du Moulin', 'rue du Port', 'allée des Acacias', 'route de Nantes', 'rue Nationale'];
const CITIES: [string, string][] = [
  ['49000', 'Angers'], ['44000', 'Nantes'], ['37000', 'Tours'], ['45000', 'Orléans'], ['72000', 'Le Mans'],
  ['49400', 'Saumur'], ['41000', 'Blois'], ['49300', 'Cholet'], ['53000', 'Laval'], ['85000', 'La Roche-sur-Yon'],
];
const AGENTS: [string, string, string][] = [
  ['Martin', 'Sophie', 'sophie.martin'],
  ['Lefèvre', 'Julien', 'julien.lefevre'],
  ['Garnier', 'Claire', 'claire.garnier'],
];

/** Days since epoch ↔ ISO date, in UTC so no time zone moves a date. */
function dayToIso(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}
function isoToDay(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}
function at(iso: string, hour: number, minute: number, second = 0): string {
  return `${iso}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}`;
}

function address(rng: Rng): Address {
  const [postCode, city] = rng.pick(CITIES);
  return { line1: `${rng.int(1, 180)} ${rng.pick(STREETS)}`, line2: null, postCode, city, countryCode: 'FR' };
}

function money(rng: Rng, [min, max]: [number, number]): Decimal {
  // Whole cents drawn as integers: no binary float ever becomes an amount.
  return Decimal.fromCents(rng.int(min * 100, max * 100));
}

export type SeedOptions = {
  seed: string | number;
  invoices: number;
  /** "Today" for the dataset, YYYY-MM-DD (default: today in UTC). */
  referenceDate?: string;
};

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Computes lines, VAT breakdown and totals exactly (EN 16931 BR-CO-10/13/14/15 hold). */
export function computeAmounts(lines: SimLine[]): { vat: SimVat[]; totals: { ht: string; tva: string; ttc: string; apayer: string } } {
  const groups = new Map<string, { rate: Decimal; category: string; base: Decimal }>();
  for (const line of lines) {
    const key = `${line.vatCategory}:${line.vatRate}`;
    const group = groups.get(key) ?? { rate: Decimal.parse(line.vatRate), category: line.vatCategory, base: Decimal.ZERO };
    group.base = group.base.add(Decimal.parse(line.netAmount));
    groups.set(key, group);
  }
  const vat: SimVat[] = [...groups.values()]
    .sort((a, b) => b.rate.compare(a.rate))
    .map((group) => ({
      rate: group.rate.toString(),
      category: group.category,
      base: group.base.toString(2),
      amount: group.base.mul(group.rate).div(Decimal.fromInteger(100), 2).toString(2),
      exemptionReason: group.category === 'E' ? EXEMPTION_REASON : null,
      exemptionReasonCode: group.category === 'E' ? EXEMPTION_CODE : null,
    }));
  const ht = lines.reduce((sum, line) => sum.add(Decimal.parse(line.netAmount)), Decimal.ZERO);
  const tva = vat.reduce((sum, group) => sum.add(Decimal.parse(group.amount)), Decimal.ZERO);
  const ttc = ht.add(tva);
  return { vat, totals: { ht: ht.toString(2), tva: tva.toString(2), ttc: ttc.toString(2), apayer: ttc.toString(2) } };
}

export function makeLine(index: number, reference: string, item: CatalogItem, quantity: Decimal, unitPrice: Decimal): SimLine {
  return {
    id: String(index),
    reference,
    name: item.name,
    quantity: quantity.toString(),
    unitCode: item.unit,
    unitPrice: unitPrice.toString(2),
    netAmount: quantity.mul(unitPrice).round(2).toString(2),
    vatRate: item.rate,
    vatCategory: item.rate === '0' ? 'E' : 'S',
  };
}

function buildStructures(rng: Rng, siren: string, town: string): SimStructure[] {
  const serviceId = (() => {
    let next = 27_946_100;
    return () => (next += rng.int(1, 9));
  })();
  const service = (code: string, label: string, engagementRequired: boolean, active = true): SimService => ({
    idService: serviceId(),
    codeService: code,
    libelleService: label,
    estActif: active,
    engagementRequired,
    miseEnPaiement: true,
    dateDebut: '2017-01-01 00:00',
    dateFin: active ? '2050-12-31 00:00' : '2022-12-31 00:00',
  });
  const mairie = (line1: string): Address => ({ line1, line2: null, postCode: '49250', city: town, countryCode: 'FR' });
  return [
    {
      idStructureCPP: 26_004_811,
      siret: makeSiret(siren, 1),
      name: `Commune de ${town}`,
      budget: 'principal',
      budgetLabel: 'Budget principal',
      address: mairie('1 place de la Mairie'),
      codeServiceDoitEtreRenseigne: true,
      numeroEJDoitEtreRenseigne: false,
      attached: true,
      services: [
        service('FINANCES', 'Direction des finances', false),
        service('SERV_TECH', 'Services techniques', true),
        service('EDUCATION', 'Éducation et restauration scolaire', true),
        service('CULTURE', 'Culture et vie associative', false),
        service('INFORMATIQUE', 'Systèmes d’information', true),
        service('ANCIEN_CCAS', 'Ancien service action sociale (fermé)', false, false),
      ],
    },
    {
      idStructureCPP: 26_004_812,
      siret: makeSiret(siren, 2),
      name: `Commune de ${town} — Budget annexe de l'eau et de l'assainissement`,
      budget: 'annexe',
      budgetLabel: "Budget annexe de l'eau et de l'assainissement",
      address: mairie('1 place de la Mairie'),
      codeServiceDoitEtreRenseigne: false,
      numeroEJDoitEtreRenseigne: true,
      attached: true,
      services: [service('EAU_POTABLE', 'Régie de l’eau potable', true), service('ASSAINISSEMENT', 'Assainissement collectif', true)],
    },
    {
      idStructureCPP: 26_004_813,
      siret: makeSiret(siren, 3),
      name: `Commune de ${town} — Budget annexe des transports scolaires`,
      budget: 'annexe',
      budgetLabel: 'Budget annexe des transports scolaires',
      address: mairie('1 place de la Mairie'),
      codeServiceDoitEtreRenseigne: false,
      numeroEJDoitEtreRenseigne: false,
      attached: true,
      services: [service('TRANSPORTS', 'Transports scolaires', false)],
    },
  ];
}

function buildSuppliers(rng: Rng): SimSupplier[] {
  const suppliers: SimSupplier[] = [];
  let id = 31_200_000;
  const prefixes = ['FA', 'F', 'FAC', 'FCT', 'INV', 'FV'];
  for (const category of CATEGORIES) {
    for (const name of category.names) {
      const siren = makeSiren(rng, String(rng.int(3, 8)));
      const bank = rng.pick(FRENCH_BANKS);
      id += rng.int(3, 40);
      suppliers.push({
        idFournisseur: id,
        siret: makeSiret(siren, rng.int(10, 99)),
        name,
        vatId: frenchVatId(siren),
        iban: makeFrenchIban(rng),
        bic: bank.bic,
        bankName: bank.name,
        address: address(rng),
        category: category.key,
        invoicePrefix: rng.pick(prefixes),
        inReferential: true,
      });
    }
  }
  // Two suppliers that deposit invoices but that the authority's tiers file does not know.
  for (const [name, category] of [['Nouvelle Entreprise Rénovation', 'btp'], ['Traiteur Saveurs Nouvelles', 'restauration']] as const) {
    const siren = makeSiren(rng, '9');
    const bank = rng.pick(FRENCH_BANKS);
    id += rng.int(3, 40);
    suppliers.push({
      idFournisseur: id,
      siret: makeSiret(siren, 12),
      name,
      vatId: frenchVatId(siren),
      iban: makeFrenchIban(rng),
      bic: bank.bic,
      bankName: bank.name,
      address: address(rng),
      category,
      invoicePrefix: 'FA',
      inReferential: false,
    });
  }
  return suppliers;
}

/** Which structure and services a supplier category bills. */
function routeFor(rng: Rng, category: string, structures: SimStructure[]): { structure: SimStructure; service: SimService } {
  const [principal, eau, transports] = structures as [SimStructure, SimStructure, SimStructure];
  const byCode = (structure: SimStructure, code: string) => structure.services.find((s) => s.codeService === code) as SimService;
  switch (category) {
    case 'eau':
      return { structure: eau, service: byCode(eau, rng.pick(['EAU_POTABLE', 'ASSAINISSEMENT'])) };
    case 'transport':
      return rng.chance(0.8)
        ? { structure: transports, service: byCode(transports, 'TRANSPORTS') }
        : { structure: principal, service: byCode(principal, 'EDUCATION') };
    case 'energie':
      return rng.chance(0.2) ? { structure: eau, service: byCode(eau, 'EAU_POTABLE') } : { structure: principal, service: byCode(principal, 'SERV_TECH') };
    case 'services':
      return rng.chance(0.25) ? { structure: eau, service: byCode(eau, 'ASSAINISSEMENT') } : { structure: principal, service: byCode(principal, 'SERV_TECH') };
    case 'btp':
      return { structure: principal, service: byCode(principal, 'SERV_TECH') };
    case 'restauration':
      return { structure: principal, service: byCode(principal, 'EDUCATION') };
    case 'informatique':
      return { structure: principal, service: byCode(principal, 'INFORMATIQUE') };
    case 'fournitures':
      return { structure: principal, service: byCode(principal, rng.pick(['EDUCATION', 'FINANCES', 'SERV_TECH'])) };
    default:
      return { structure: principal, service: byCode(principal, rng.pick(['FINANCES', 'CULTURE'])) };
  }
}

function typo(numero: string, rng: Rng): string {
  // Swap two adjacent digits, or drop one: the usual keying mistakes.
  const digits = [...numero].map((char, index) => (/\d/.test(char) ? index : -1)).filter((index) => index >= 0);
  const position = digits[rng.int(0, Math.max(0, digits.length - 2))] ?? numero.length - 1;
  const chars = [...numero];
  if (rng.chance(0.5) && chars[position] !== chars[position + 1] && /\d/.test(chars[position + 1] ?? '')) {
    [chars[position], chars[position + 1]] = [chars[position + 1] as string, chars[position] as string];
    return chars.join('');
  }
  chars.splice(position, 1);
  return chars.join('');
}

function histo(id: number, code: ChorusStatus, when: string, commentaire = '', agent: [string, string, string] | null = null): SimHisto {
  const [nom, prenom, email] = agent ?? ['Chorus Pro', 'Système', ''];
  return { id, code, at: when, commentaire, nom, prenom, email: email ? `${email}@mairie.example.fr` : null };
}

export function generateDataset(options: SeedOptions): SimDataset {
  const seed = String(options.seed);
  const referenceDate = options.referenceDate ?? todayIso();
  const root = createRng(`liasse-chorus-sim:${seed}`);
  const rngRef = root.fork('referential');
  const towns = ['Valmont-sur-Loire', 'Saint-Aubin-des-Vignes', 'Montreuil-la-Rivière', 'Beaulieu-en-Anjou'];
  const town = rngRef.pick(towns);
  const siren = makeSiren(rngRef, '21');
  const structures = buildStructures(rngRef, siren, town);
  const suppliers = buildSuppliers(rngRef);
  const categoryOf = new Map(CATEGORIES.map((category) => [category.key, category]));

  const today = isoToDay(referenceDate);
  const year = Number(referenceDate.slice(0, 4));
  const start = isoToDay(`${year - 1}-01-02`);
  const end = today - 1;

  const rng = root.fork('invoices');
  const count = Math.max(0, Math.floor(options.invoices));
  const days = Array.from({ length: count }, () => rng.int(start, end)).sort((a, b) => a - b);

  const engagements: SimEngagement[] = [];
  const engagementSeq = new Map<number, number>();
  const numberSeq = new Map<number, number>();
  const invoices: SimInvoice[] = [];
  const earlierByPair = new Map<string, SimInvoice[]>();
  const engagementsByPair = new Map<string, SimEngagement[]>();
  let histoId = 1;

  // `invoice`: the totals of the invoice the engagement is made for. On a multi-rate invoice its TTC
  // follows the invoice's own TTC/HT ratio, not the first line's rate (which would leave a planted
  // "exhausted" or "matching" engagement off by the other rates' VAT).
  const newEngagement = (
    structure: SimStructure,
    supplier: SimSupplier,
    serviceCode: string | null,
    day: number,
    ht: Decimal,
    rate: string,
    invoice?: { vat: SimVat[]; totals: SimTotals },
  ): SimEngagement => {
    const seq = (engagementSeq.get(structure.idStructureCPP) ?? 0) + 1;
    engagementSeq.set(structure.idStructureCPP, seq);
    const budgetCode = structure.budget === 'principal' ? 'BP' : structure.name.includes("l'eau") ? 'EA' : 'TS';
    const ejYear = dayToIso(day).slice(0, 4);
    const invoiceHt = invoice ? Decimal.parse(invoice.totals.ht) : null;
    const ttc =
      invoice && invoiceHt && invoice.vat.length > 1 && !invoiceHt.isZero()
        ? ht.mul(Decimal.parse(invoice.totals.ttc)).div(invoiceHt, 2)
        : ht.add(ht.mul(Decimal.parse(rate)).div(Decimal.fromInteger(100), 2));
    const engagement: SimEngagement = {
      numero: `EJ${ejYear}${budgetCode}${String(seq).padStart(5, '0')}`,
      structureId: structure.idStructureCPP,
      structureSiret: structure.siret,
      supplierSiret: supplier.siret,
      serviceCode,
      amountHT: ht.toString(2),
      amountTTC: ttc.toString(2),
      vatRate: rate,
      numeroMarche: rng.chance(0.3) ? `M${ejYear}-${String(rng.int(1, 60)).padStart(3, '0')}` : null,
      dateEngagement: dayToIso(day - rng.int(5, 60)),
      consumedTTC: '0.00',
      consumedBeforeTTC: '0.00',
    };
    engagements.push(engagement);
    const key = `${supplier.idFournisseur}:${structure.idStructureCPP}`;
    const list = engagementsByPair.get(key) ?? [];
    list.push(engagement);
    engagementsByPair.set(key, list);
    return engagement;
  };

  for (let index = 0; index < count; index += 1) {
    const idFacture = FIRST_INVOICE_ID + index;
    const day = days[index] as number;
    const known = suppliers.filter((s) => s.inReferential);
    const unknownSupplier = rng.chance(0.015);
    const supplier = unknownSupplier ? rng.pick(suppliers.filter((s) => !s.inReferential)) : rng.pick(known);
    const category = categoryOf.get(supplier.category) as Category;
    const route = routeFor(rng, supplier.category, structures);
    const anomalies: PlantedAnomaly[] = unknownSupplier ? ['unknown-supplier'] : [];

    // Lines with exact amounts.
    const lineCount = rng.weighted([[1, 4], [2, 3], [3, 2], [4, 1], [6, 1]] as const);
    const lines: SimLine[] = [];
    for (let lineIndex = 1; lineIndex <= lineCount; lineIndex += 1) {
      const item = rng.pick(category.items);
      const quantity = item.unit === 'C62' || item.unit === 'MON' || item.unit === 'DAY' ? Decimal.fromInteger(rng.int(1, 12)) : Decimal.parse(`${rng.int(5, 400)}.${rng.int(0, 9)}`);
      const unitPrice = money(rng, item.price);
      lines.push(makeLine(lineIndex, `${supplier.category.slice(0, 3).toUpperCase()}-${String(category.items.indexOf(item) + 1).padStart(3, '0')}`, item, quantity, unitPrice));
    }
    let { vat, totals } = computeAmounts(lines);

    const form = rng.weighted<InvoiceForm>([['UBL', 3], ['CII', 2], ['FACTURX', 3], ['PDF', 2]]);
    const dateFacture = dayToIso(day);
    const depotDay = Math.min(end, day + rng.int(0, 4));
    const dateDepot = dayToIso(depotDay);
    const seq = (numberSeq.get(supplier.idFournisseur) ?? 0) + 1;
    numberSeq.set(supplier.idFournisseur, seq);
    let numeroFacture = `${supplier.invoicePrefix}-${dateFacture.slice(0, 4)}-${String(seq).padStart(5, '0')}`;

    let serviceId: number | null = route.service.idService;
    if (rng.chance(0.05)) {
      serviceId = null;
      anomalies.push('service-missing');
    }

    // Engagement: present (reuse an open one or create), absent, or mistyped.
    let numeroBonCommande: string | null = null;
    let numeroMarche: string | null = null;
    const mainRate = (lines[0] as SimLine).vatRate;
    const engagementRoll = rng.next();
    let typeFacture: 'FACTURE' | 'AVOIR' = 'FACTURE';
    let numeroFactureOrigine: string | null = null;
    let duplicateOf: number | null = null;
    const pairKey = `${supplier.idFournisseur}:${route.structure.idStructureCPP}`;
    const earlierSameSupplier = earlierByPair.get(pairKey) ?? [];

    const special = rng.next();
    if (special < 0.05 && earlierSameSupplier.length > 0) {
      // Credit note (381) for part of an earlier invoice.
      const original = rng.pick(earlierSameSupplier);
      typeFacture = 'AVOIR';
      numeroFactureOrigine = original.numeroFacture;
      const originalLine = original.lines[0] as SimLine;
      const item = category.items.find((candidate) => candidate.name === originalLine.name) ?? (category.items[0] as CatalogItem);
      const refund = Decimal.parse(originalLine.unitPrice).mul(Decimal.parse('0.5')).round(2);
      lines.splice(0, lines.length, makeLine(1, originalLine.reference, { ...item, rate: originalLine.vatRate }, Decimal.fromInteger(1), refund.isZero() ? Decimal.fromCents(100) : refund));
      ({ vat, totals } = computeAmounts(lines));
      numeroBonCommande = original.numeroBonCommande;
      numeroMarche = original.numeroMarche;
      numeroFacture = `AV-${dateFacture.slice(0, 4)}-${String(seq).padStart(5, '0')}`;
    } else if (special < 0.06) {
      typeFacture = 'AVOIR';
      numeroFactureOrigine = `${supplier.invoicePrefix}-${Number(dateFacture.slice(0, 4)) - 2}-${String(rng.int(100, 999)).padStart(5, '0')}`;
      numeroFacture = `AV-${dateFacture.slice(0, 4)}-${String(seq).padStart(5, '0')}`;
      anomalies.push('credit-note-without-original');
    } else if (special < 0.075 && earlierSameSupplier.length > 0) {
      // The same invoice deposited again under another number (same amounts, date and engagement).
      const original = rng.pick(earlierSameSupplier);
      duplicateOf = original.idFacture;
      lines.splice(0, lines.length, ...original.lines.map((line) => ({ ...line })));
      ({ vat, totals } = computeAmounts(lines));
      numeroBonCommande = original.numeroBonCommande;
      numeroMarche = original.numeroMarche;
      numeroFacture = `${original.numeroFacture}-B`;
      anomalies.push('duplicate');
    }

    if (typeFacture === 'FACTURE' && duplicateOf === null) {
      const ht = Decimal.parse(totals.ht);
      if (engagementRoll < 0.8) {
        const open = (engagementsByPair.get(pairKey) ?? []).filter(
          (e) => Decimal.parse(e.amountTTC).sub(Decimal.parse(e.consumedTTC)).compare(Decimal.parse(totals.ttc)) >= 0,
        );
        const plant = rng.next();
        if (plant < 0.02) {
          // HT/TTC confusion: the engagement was recorded at the TTC the supplier invoiced as HT.
          const engagement = newEngagement(route.structure, supplier, route.service.codeService, day, ht, '0');
          engagement.vatRate = mainRate;
          engagement.amountTTC = ht.toString(2);
          engagement.amountHT =
            vat.length > 1 && !Decimal.parse(totals.ttc).isZero()
              ? ht.mul(ht).div(Decimal.parse(totals.ttc), 2).toString(2)
              : ht.mul(Decimal.fromInteger(100)).div(Decimal.parse(mainRate).add(Decimal.fromInteger(100)), 2).toString(2);
          numeroBonCommande = engagement.numero;
          numeroMarche = engagement.numeroMarche;
          anomalies.push('ht-ttc-confusion');
        } else if (plant < 0.04) {
          // An engagement already (almost) consumed by earlier invoices.
          const engagement = newEngagement(route.structure, supplier, route.service.codeService, day, ht.mul(Decimal.parse('0.6')).round(2), mainRate, { vat, totals });
          engagement.consumedBeforeTTC = Decimal.parse(engagement.amountTTC).mul(Decimal.parse('0.9')).round(2).toString(2);
          engagement.consumedTTC = totals.ttc;
          numeroBonCommande = engagement.numero;
          numeroMarche = engagement.numeroMarche;
          anomalies.push('exhausted-engagement');
        } else {
          const engagement =
            open.length > 0 && rng.chance(0.6)
              ? rng.pick(open)
              : newEngagement(route.structure, supplier, route.service.codeService, day, ht.mul(Decimal.parse(rng.pick(['1', '1', '1.5', '2', '3']))).round(2), mainRate, { vat, totals });
          engagement.consumedTTC = Decimal.parse(engagement.consumedTTC).add(Decimal.parse(totals.ttc)).toString(2);
          numeroBonCommande = engagement.numero;
          numeroMarche = engagement.numeroMarche;
        }
      } else if (engagementRoll < 0.83) {
        const engagement = newEngagement(route.structure, supplier, route.service.codeService, day, ht, mainRate, { vat, totals });
        engagement.consumedTTC = totals.ttc;
        numeroBonCommande = typo(engagement.numero, rng);
        numeroMarche = engagement.numeroMarche;
        anomalies.push('engagement-typo');
      } else {
        anomalies.push('engagement-missing');
      }
    }

    let iban = supplier.iban;
    if (rng.chance(0.02) && !anomalies.includes('unknown-supplier')) {
      iban = makeFrenchIban(rng);
      anomalies.push('changed-iban');
    }

    let malformed: SimInvoice['malformed'] = null;
    if (rng.chance(0.012)) {
      malformed = form === 'UBL' || form === 'CII' ? 'truncated-xml' : 'broken-pdf';
      anomalies.push('malformed-original');
    }

    const attachments: SimAttachment[] = [];
    if (rng.chance(0.25)) {
      attachments.push({ name: `BL_${numeroFacture}.pdf`.slice(0, 50), mimeType: 'application/pdf', description: 'Bon de livraison', kind: 'bon-livraison' });
      if (rng.chance(0.3)) {
        attachments.push({ name: `PV_${numeroFacture}.pdf`.slice(0, 50), mimeType: 'application/pdf', description: 'Procès-verbal de réception', kind: 'proces-verbal' });
      }
      if (rng.chance(0.2)) {
        attachments.push({ name: `Releve_${numeroFacture}.csv`.slice(0, 50), mimeType: 'text/csv', description: 'Relevé détaillé', kind: 'releve' });
      }
    }

    // Status and its history.
    const depot = dateDepot;
    const history: SimHisto[] = [
      histo(histoId++, 'DEPOSEE', at(depot, 8 + rng.int(0, 9), rng.int(0, 59), rng.int(0, 59))),
    ];
    const last = () => history[history.length - 1] as SimHisto;
    const plus = (minutes: number) => {
      const base = Date.parse(`${last().at}Z`) + minutes * 60_000;
      const capped = Math.min(base, Date.parse(`${dayToIso(end)}T22:00:00Z`));
      return new Date(Math.max(capped, Date.parse(`${last().at}Z`) + 1000)).toISOString().slice(0, 19);
    };
    const age = today - depotDay;
    let statut: ChorusStatus;
    if (age <= 1 && rng.chance(0.15)) {
      history.push(histo(histoId++, 'EN_COURS_ACHEMINEMENT', plus(1)));
      statut = 'EN_COURS_ACHEMINEMENT';
    } else {
      history.push(histo(histoId++, 'EN_COURS_ACHEMINEMENT', plus(1)));
      history.push(histo(histoId++, 'MISE_A_DISPOSITION', plus(rng.int(2, 30))));
      statut = 'MISE_A_DISPOSITION';
      const agent = rng.pick(AGENTS);
      const planted = anomalies.length > 0 && !(anomalies.length === 1 && anomalies[0] === 'engagement-missing');
      if (!planted) {
        const roll = rng.next();
        const processed = age > 75 ? 0.75 : age > 30 ? 0.45 : 0.12;
        if (roll < 0.012) {
          history.push(histo(histoId++, 'SUSPENDUE', plus(60 * 24 * rng.int(1, 5)), 'Bon de livraison manquant', agent));
          statut = 'SUSPENDUE';
        } else if (roll < 0.024) {
          history.push(histo(histoId++, 'SUSPENDUE', plus(60 * 24 * rng.int(1, 5)), 'Pièce justificative manquante', agent));
          history.push(histo(histoId++, 'COMPLETEE', plus(60 * 24 * rng.int(1, 5)), 'Pièce ajoutée par le fournisseur'));
          statut = 'COMPLETEE';
        } else if (roll < 0.034) {
          history.push(histo(histoId++, 'A_RECYCLER', plus(60 * 24 * rng.int(1, 3)), 'Code service erroné', agent));
          statut = 'A_RECYCLER';
        } else if (roll < 0.04) {
          history.push(histo(histoId++, 'REJETEE', plus(60 * 24 * rng.int(1, 3)), 'Facture adressée à la mauvaise collectivité', agent));
          statut = 'REJETEE';
        } else if (roll < 0.04 + processed && typeFacture === 'FACTURE') {
          if (rng.chance(0.6)) history.push(histo(histoId++, 'SERVICE_FAIT', plus(60 * 24 * rng.int(1, 8)), '', agent));
          history.push(histo(histoId++, 'MANDATEE', plus(60 * 24 * rng.int(1, 6)), '', agent));
          statut = 'MANDATEE';
          if (age > 20 && rng.chance(0.85)) {
            history.push(histo(histoId++, 'MISE_A_DISPOSITION_COMPTABLE', plus(60 * 24 * rng.int(1, 4)), 'Hélios'));
            statut = 'MISE_A_DISPOSITION_COMPTABLE';
            if (age > 35 && rng.chance(0.9)) {
              history.push(histo(histoId++, 'MISE_EN_PAIEMENT', plus(60 * 24 * rng.int(2, 12)), 'Hélios'));
              statut = 'MISE_EN_PAIEMENT';
            }
          }
        } else if (roll < 0.1 + processed && typeFacture === 'FACTURE') {
          history.push(histo(histoId++, 'SERVICE_FAIT', plus(60 * 24 * rng.int(1, 8)), '', agent));
          statut = 'SERVICE_FAIT';
        }
      }
    }
    const mandatNumber = statut === 'MANDATEE' || statut === 'MISE_A_DISPOSITION_COMPTABLE' || statut === 'MISE_EN_PAIEMENT' ? `${dateFacture.slice(0, 4)}-${String(rng.int(1, 4000)).padStart(5, '0')}` : null;

    invoices.push({
      idFacture,
      numeroFacture: numeroFacture.slice(0, 20),
      typeFacture,
      cadre: 'A1_FACTURE_FOURNISSEUR',
      form,
      modeDepot: form === 'PDF' ? 'DEPOT_PDF_API' : 'FLUX',
      structureId: route.structure.idStructureCPP,
      serviceId,
      supplierId: supplier.idFournisseur,
      iban,
      dateFacture,
      dateDepot,
      dateEcheance: dayToIso(depotDay + 30),
      devise: 'EUR',
      lines,
      vat,
      totals,
      numeroBonCommande,
      numeroMarche,
      numeroFactureOrigine,
      numeroDpMandat: mandatNumber,
      statut,
      dateHeureEtatCourant: last().at,
      history,
      downloaded: statut !== 'MISE_A_DISPOSITION' && statut !== 'EN_COURS_ACHEMINEMENT' ? true : rng.chance(0.08),
      attachments,
      malformed,
      anomalies,
      duplicateOf,
      commentaire: null,
      cycle: history.some((h) => h.code === 'COMPLETEE') ? 1 : 0,
      storedOriginal: null,
    });
    const created = invoices[invoices.length - 1] as SimInvoice;
    if (created.typeFacture === 'FACTURE') {
      const list = earlierByPair.get(pairKey) ?? [];
      list.push(created);
      earlierByPair.set(pairKey, list);
    }
  }
  return { seed, referenceDate, authority: { name: `Commune de ${town}`, siren, city: town, department: '49' }, structures, suppliers, engagements, invoices };
}

// ---------------------------------------------------------------------------------------------
// The referential colleagues build their engagements / tiers CSV from.

export type SeedReferential = {
  seed: string;
  referenceDate: string;
  authority: { name: string; siren: string };
  budgets: { idStructureCPP: number; siret: string; name: string; budget: 'principal' | 'annexe'; budgetLabel: string; services: { idService: number; codeService: string; libelleService: string; estActif: boolean; engagementRequired: boolean }[] }[];
  /** The authority's tiers file: suppliers it knows (the unknown-supplier ones are absent). */
  suppliers: { siret: string; name: string; iban: string; bic: string; vatId: string; address: Address }[];
  /** Every engagement the invoices were issued against (a mistyped number points to one of these). consumedBeforeTTC: already mandaté outside Chorus (non-zero for the exhausted ones). */
  engagements: { numero: string; structureSiret: string; supplierSiret: string; amountHT: string; amountTTC: string; vatRate: string; serviceCode: string | null; numeroMarche: string | null; dateEngagement: string; consumedBeforeTTC: string }[];
  /** Planted anomalies, per invoice. */
  anomalies: { idFacture: number; numeroFacture: string; supplierSiret: string; anomalies: PlantedAnomaly[]; duplicateOf: number | null; invoiceIban: string; numeroBonCommande: string | null }[];
  /** Suppliers present in Chorus but not in the tiers file (for the unknown-supplier anomaly). */
  unknownSuppliers: { siret: string; name: string }[];
};

export function referentialOf(dataset: SimDataset): SeedReferential {
  const supplierById = new Map(dataset.suppliers.map((s) => [s.idFournisseur, s]));
  return {
    seed: dataset.seed,
    referenceDate: dataset.referenceDate,
    authority: { name: dataset.authority.name, siren: dataset.authority.siren },
    budgets: dataset.structures.map((s) => ({
      idStructureCPP: s.idStructureCPP,
      siret: s.siret,
      name: s.name,
      budget: s.budget,
      budgetLabel: s.budgetLabel,
      services: s.services.map((service) => ({
        idService: service.idService,
        codeService: service.codeService,
        libelleService: service.libelleService,
        estActif: service.estActif,
        engagementRequired: service.engagementRequired,
      })),
    })),
    suppliers: dataset.suppliers
      .filter((s) => s.inReferential)
      .map((s) => ({ siret: s.siret, name: s.name, iban: s.iban, bic: s.bic, vatId: s.vatId, address: s.address })),
    engagements: dataset.engagements.map((e) => ({
      numero: e.numero,
      structureSiret: e.structureSiret,
      supplierSiret: e.supplierSiret,
      amountHT: e.amountHT,
      amountTTC: e.amountTTC,
      vatRate: e.vatRate,
      serviceCode: e.serviceCode,
      numeroMarche: e.numeroMarche,
      dateEngagement: e.dateEngagement,
      consumedBeforeTTC: e.consumedBeforeTTC,
    })),
    anomalies: dataset.invoices
      .filter((invoice) => invoice.anomalies.length > 0)
      .map((invoice) => ({
        idFacture: invoice.idFacture,
        numeroFacture: invoice.numeroFacture,
        supplierSiret: (supplierById.get(invoice.supplierId) as SimSupplier).siret,
        anomalies: [...invoice.anomalies],
        duplicateOf: invoice.duplicateOf,
        invoiceIban: invoice.iban,
        numeroBonCommande: invoice.numeroBonCommande,
      })),
    unknownSuppliers: dataset.suppliers.filter((s) => !s.inReferential).map((s) => ({ siret: s.siret, name: s.name })),
  };
}

/** The referential of a seeded dataset, without starting a simulator. */
export function seedReferential(seed: string | number, invoices: number, referenceDate?: string): SeedReferential {
  return referentialOf(generateDataset({ seed, invoices, ...(referenceDate ? { referenceDate } : {}) }));
}
