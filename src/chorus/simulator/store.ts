// The simulator's state: the seeded dataset plus every change clients and control hooks made,
// with indexes so a search over 10 000 invoices touches only the candidates of its most selective
// criterion. Changes persist in --data-dir as an overlay on the (deterministic) seeded data.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ChorusStatus } from '../types.ts';
import type { SimDataset, SimHisto, SimInvoice, SimService, SimStructure, SimSupplier } from './model.ts';
import { generateDataset, referentialOf, type SeedReferential } from './seed.ts';
import { decideTransition, type Actor, type TransitionDecision } from './state-machine.ts';
import type { InvoiceContext } from './documents/context.ts';

export type PostLogEntry = {
  at: string;
  idFacture: number | null;
  nouveauStatut: string | null;
  motif: string | null;
  numeroDPMandat: string | null;
  previousStatus: ChorusStatus | null;
  resultingStatus: ChorusStatus | null;
  noop: boolean;
  httpStatus: number;
  codeRetour: number;
  libelle: string;
};

type Persisted = {
  version: 1;
  seed: string;
  invoiceCount: number;
  referenceDate: string;
  nextInvoiceId: number;
  nextHistoId: number;
  extraSuppliers: SimSupplier[];
  invoices: SimInvoice[];
  posts: PostLogEntry[];
};

const STATE_FILE = 'chorus-sim-state.json';

/** "YYYY-MM-DDTHH:mm:ss" in Paris time, the way Chorus stamps status changes. */
export function parisNow(date = new Date()): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Paris',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .format(date)
    .replace(' ', 'T');
}

export type Agent = { nom: string; prenom: string; email: string | null };

export class SimState {
  readonly dataset: SimDataset;
  readonly invoices = new Map<number, SimInvoice>();
  readonly structures = new Map<number, SimStructure>();
  readonly services = new Map<number, { service: SimService; structure: SimStructure }>();
  readonly suppliers = new Map<number, SimSupplier>();
  readonly suppliersBySiret = new Map<string, SimSupplier>();
  readonly posts: PostLogEntry[] = [];
  private readonly byStructure = new Map<number, Set<SimInvoice>>();
  private readonly byStatus = new Map<ChorusStatus, Set<SimInvoice>>();
  private sortedByEtat: SimInvoice[] | null = null;
  private readonly changed = new Set<number>();
  private nextInvoiceId: number;
  private nextHistoId: number;
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly invoiceCount: number;

  private constructor(
    dataset: SimDataset,
    invoiceCount: number,
    private readonly dataDir: string | null,
  ) {
    this.dataset = dataset;
    this.invoiceCount = invoiceCount;
    for (const structure of dataset.structures) {
      this.structures.set(structure.idStructureCPP, structure);
      for (const service of structure.services) this.services.set(service.idService, { service, structure });
    }
    for (const supplier of dataset.suppliers) this.addSupplier(supplier);
    for (const invoice of dataset.invoices) this.index(invoice);
    this.nextInvoiceId = Math.max(100_000, ...dataset.invoices.map((i) => i.idFacture)) + 1;
    this.nextHistoId = Math.max(0, ...dataset.invoices.flatMap((i) => i.history.map((h) => h.id))) + 1;
  }

  /** Seeds (or reloads from dataDir) the state. */
  static open(options: { seed: string; invoices: number; referenceDate?: string; dataDir?: string | null }): SimState {
    const dataDir = options.dataDir ?? null;
    let persisted: Persisted | null = null;
    if (dataDir) {
      fs.mkdirSync(path.join(dataDir, 'files'), { recursive: true });
      const file = path.join(dataDir, STATE_FILE);
      if (fs.existsSync(file)) persisted = JSON.parse(fs.readFileSync(file, 'utf8')) as Persisted;
    }
    const seed = persisted?.seed ?? options.seed;
    const count = persisted?.invoiceCount ?? options.invoices;
    const dataset = generateDataset({ seed, invoices: count, ...(persisted?.referenceDate ?? options.referenceDate ? { referenceDate: persisted?.referenceDate ?? options.referenceDate } : {}) });
    const state = new SimState(dataset, count, dataDir);
    if (persisted) {
      for (const supplier of persisted.extraSuppliers) state.addSupplier(supplier);
      for (const invoice of persisted.invoices) state.replace(invoice);
      state.posts.push(...persisted.posts);
      state.nextInvoiceId = Math.max(state.nextInvoiceId, persisted.nextInvoiceId);
      state.nextHistoId = Math.max(state.nextHistoId, persisted.nextHistoId);
    } else if (dataDir) {
      state.saveNow();
    }
    return state;
  }

  private addSupplier(supplier: SimSupplier): void {
    this.suppliers.set(supplier.idFournisseur, supplier);
    this.suppliersBySiret.set(supplier.siret, supplier);
  }

  private index(invoice: SimInvoice): void {
    this.invoices.set(invoice.idFacture, invoice);
    let structureSet = this.byStructure.get(invoice.structureId);
    if (!structureSet) this.byStructure.set(invoice.structureId, (structureSet = new Set()));
    structureSet.add(invoice);
    let statusSet = this.byStatus.get(invoice.statut);
    if (!statusSet) this.byStatus.set(invoice.statut, (statusSet = new Set()));
    statusSet.add(invoice);
    this.sortedByEtat = null;
  }

  private unindex(invoice: SimInvoice): void {
    this.byStructure.get(invoice.structureId)?.delete(invoice);
    this.byStatus.get(invoice.statut)?.delete(invoice);
    this.invoices.delete(invoice.idFacture);
    this.sortedByEtat = null;
  }

  private replace(invoice: SimInvoice): void {
    const existing = this.invoices.get(invoice.idFacture);
    if (existing) this.unindex(existing);
    this.index(invoice);
    this.changed.add(invoice.idFacture);
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  contextOf(invoice: SimInvoice): InvoiceContext {
    const structure = this.structures.get(invoice.structureId) as SimStructure;
    const service = invoice.serviceId === null ? null : (this.services.get(invoice.serviceId)?.service ?? null);
    return { invoice, supplier: this.suppliers.get(invoice.supplierId) as SimSupplier, structure, service };
  }

  /** Invoices the technical account may see (its attached structures). */
  isVisible(invoice: SimInvoice): boolean {
    return this.structures.get(invoice.structureId)?.attached === true;
  }

  /**
   * Candidate invoices for a search: the smallest of the structure set, the status set(s) and the
   * dateHeureEtatCourant window (binary search in a sorted array); the caller filters the rest.
   */
  candidates(criteria: { structureId?: number; statuses?: ChorusStatus[]; etatFrom?: string; etatTo?: string }): Iterable<SimInvoice> {
    const options: { size: number; items: () => Iterable<SimInvoice> }[] = [{ size: this.invoices.size, items: () => this.invoices.values() }];
    if (criteria.structureId !== undefined) {
      const set = this.byStructure.get(criteria.structureId) ?? new Set<SimInvoice>();
      options.push({ size: set.size, items: () => set });
    }
    if (criteria.statuses) {
      const sets = criteria.statuses.map((status) => this.byStatus.get(status) ?? new Set<SimInvoice>());
      options.push({ size: sets.reduce((sum, set) => sum + set.size, 0), items: () => sets.flatMap((set) => [...set]) });
    }
    if (criteria.etatFrom !== undefined || criteria.etatTo !== undefined) {
      const sorted = this.sortedEtat();
      const from = criteria.etatFrom === undefined ? 0 : lowerBound(sorted, criteria.etatFrom);
      const to = criteria.etatTo === undefined ? sorted.length : upperBound(sorted, criteria.etatTo);
      options.push({ size: Math.max(0, to - from), items: () => sorted.slice(from, Math.max(from, to)) });
    }
    options.sort((a, b) => a.size - b.size);
    return (options[0] as (typeof options)[number]).items();
  }

  private sortedEtat(): SimInvoice[] {
    this.sortedByEtat ??= [...this.invoices.values()].sort((a, b) => (a.dateHeureEtatCourant < b.dateHeureEtatCourant ? -1 : a.dateHeureEtatCourant > b.dateHeureEtatCourant ? 1 : 0));
    return this.sortedByEtat;
  }

  referential(): SeedReferential {
    return referentialOf(this.dataset);
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  /** Applies a move decided by the state machine; returns the decision. */
  transition(invoice: SimInvoice, to: ChorusStatus, actor: Actor, options: { motif?: string | null; agent: Agent; numeroDPMandat?: string | null }): TransitionDecision {
    const decision = decideTransition(invoice.statut, to, actor, options.motif);
    if (!decision.ok || decision.noop) return decision;
    this.pushStatus(invoice, to, options.agent, options.motif ?? '');
    if (to === 'MANDATEE' && options.numeroDPMandat) invoice.numeroDpMandat = options.numeroDPMandat;
    if (to === 'COMPLETEE') invoice.cycle += 1;
    return decision;
  }

  /** Records a status (history + current status + indexes) without consulting the table. */
  pushStatus(invoice: SimInvoice, to: ChorusStatus, agent: Agent, commentaire = ''): SimHisto {
    this.byStatus.get(invoice.statut)?.delete(invoice);
    let at = parisNow();
    // Keep the history strictly increasing even when two moves land in the same second.
    const previous = invoice.history[invoice.history.length - 1];
    if (previous && at <= previous.at) at = new Date(Date.parse(`${previous.at}Z`) + 1000).toISOString().slice(0, 19);
    const entry: SimHisto = { id: this.nextHistoId++, code: to, at, commentaire, nom: agent.nom, prenom: agent.prenom, email: agent.email };
    invoice.history.push(entry);
    invoice.statut = to;
    invoice.dateHeureEtatCourant = at;
    let set = this.byStatus.get(to);
    if (!set) this.byStatus.set(to, (set = new Set()));
    set.add(invoice);
    this.sortedByEtat = null;
    this.touch(invoice);
    return entry;
  }

  markDownloaded(invoice: SimInvoice): void {
    if (invoice.downloaded) return;
    invoice.downloaded = true;
    this.touch(invoice);
  }

  touch(invoice: SimInvoice): void {
    this.changed.add(invoice.idFacture);
    this.scheduleSave();
  }

  /** Re-routes an invoice to another structure (supplier recycling), keeping the indexes right. */
  moveToStructure(invoice: SimInvoice, structureId: number): void {
    this.byStructure.get(invoice.structureId)?.delete(invoice);
    invoice.structureId = structureId;
    let set = this.byStructure.get(structureId);
    if (!set) this.byStructure.set(structureId, (set = new Set()));
    set.add(invoice);
    this.touch(invoice);
  }

  newInvoiceId(): number {
    return this.nextInvoiceId++;
  }

  addInvoice(invoice: SimInvoice): void {
    this.index(invoice);
    this.touch(invoice);
  }

  ensureSupplier(supplier: Omit<SimSupplier, 'idFournisseur'>): SimSupplier {
    const existing = this.suppliersBySiret.get(supplier.siret);
    if (existing) return existing;
    const created: SimSupplier = { ...supplier, idFournisseur: Math.max(...this.suppliers.keys()) + 7 };
    this.addSupplier(created);
    this.scheduleSave();
    return created;
  }

  logPost(entry: PostLogEntry): void {
    this.posts.push(entry);
    this.scheduleSave();
  }

  // ------------------------------------------------------------------------------------------
  // Files and persistence

  private memoryFiles = new Map<string, Buffer>();

  async storeFile(content: Buffer): Promise<string> {
    const key = createHash('sha256').update(content).digest('hex');
    if (this.dataDir) await fsp.writeFile(path.join(this.dataDir, 'files', key), content);
    else this.memoryFiles.set(key, content);
    return key;
  }

  async loadFile(key: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`bad file key ${key}`);
    const memory = this.memoryFiles.get(key);
    if (memory) return memory;
    if (!this.dataDir) throw new Error(`file ${key} not found`);
    return fsp.readFile(path.join(this.dataDir, 'files', key));
  }

  private scheduleSave(): void {
    if (!this.dataDir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 100);
    this.saveTimer.unref();
  }

  /** Writes the overlay atomically (temporary file + rename). */
  saveNow(): void {
    if (!this.dataDir) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    const seededIds = new Set(this.dataset.suppliers.map((s) => s.idFournisseur));
    const persisted: Persisted = {
      version: 1,
      seed: this.dataset.seed,
      invoiceCount: this.invoiceCount,
      referenceDate: this.dataset.referenceDate,
      nextInvoiceId: this.nextInvoiceId,
      nextHistoId: this.nextHistoId,
      extraSuppliers: [...this.suppliers.values()].filter((s) => !seededIds.has(s.idFournisseur)),
      invoices: [...this.changed].map((id) => this.invoices.get(id)).filter((i): i is SimInvoice => i !== undefined),
      posts: this.posts,
    };
    const file = path.join(this.dataDir, STATE_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(persisted));
    fs.renameSync(temporary, file);
  }
}

function lowerBound(sorted: SimInvoice[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as SimInvoice).dateHeureEtatCourant < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function upperBound(sorted: SimInvoice[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as SimInvoice).dateHeureEtatCourant <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}
