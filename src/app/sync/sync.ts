// The sync (issue #4): brings every invoice Chorus Pro holds for a tenant into Liasse, once.
//
// Per structure, the invoices whose state changed in a window (periodeDateHeureEtatCourantDu/Au,
// starting one overlap before the last committed window end) are listed page by page; those new or
// changed since stored (status or dateHeureEtatCourant differ) are downloaded as pivot in batches
// under the 120 MB limit (a 413 splits the batch), plus the PDF rendition when the original is XML
// only, read with the format readers, and stored with their Chorus history.
//
// Crash safety, in this order: blobs are written (content-addressed, atomic rename) before the
// transaction that records them; one transaction stores a batch of invoices with their audit
// entries and search rows; a structure's cursor moves only after all its invoices are stored and
// none failed. A run killed at any instant leaves committed batches whole, and the next run sees
// them unchanged and stores the rest: the same end state as an uninterrupted run.
// Concurrency: one sync per tenant at a time (lease.ts); the unique (tenant_id, chorus_id) and the
// upsert's ON CONFLICT make even a lease-less writer update instead of duplicating.
import type { ChorusClient } from '../../chorus/client.ts';
import { ChorusError } from '../../chorus/client.ts';
import type { FactureRecipiendaire, HistoStatut } from '../../chorus/types.ts';
import type { Invoice } from '../../domain/invoice.ts';
import { newId } from '../../domain/ids.ts';
import { statusAfterChorus, statusFromChorus } from '../../domain/lifecycle.ts';
import { expandZip, isZip } from '../../formats/zip.ts';
import { Deadline, resolveLimits } from '../../formats/limits.ts';
import type { ChorusSummary, InvoiceRecordInput, StoredInvoiceFile } from '../../store/invoices.ts';
import { loadChorusStates, upsertInvoices } from '../../store/invoices.ts';
import type { AppContext } from '../context.ts';
import { chorusClientForTenant } from '../tenants.ts';
import { computeCycles } from './cycles.ts';
import { acquireSyncLease, type SyncLease } from './lease.ts';
import { splitPivot } from './pivot-split.ts';
import { BlobBatch } from './blob-batch.ts';
import type { ReadOutcome } from './read.ts';
import { createReadPool, type ReadPool } from './read-pool.ts';

export type SyncSummary = { seen: number; new: number; updated: number; unchanged: number; quarantined: number; failed: number };

export type SyncResult = SyncSummary & {
  runId: string;
  tenantId: string;
  structures: number;
  durationMs: number;
  /** One line per invoice that could not be stored (it is retried by the next run). */
  errors: string[];
  timings: SyncTimings;
};

export type SyncProgress = {
  phase: 'structures' | 'search' | 'invoices' | 'done';
  structureIndex: number;
  structureCount: number;
  structureName: string | null;
  pages: number;
  seen: number;
  /** Invoices to download in the current structure, and done so far (stored, quarantined or failed). */
  toFetch: number;
  processed: number;
  /** Invoices processed per second since the start of the run. */
  rate: number;
  etaSeconds: number | null;
};

export type SyncOptions = {
  /** First day of the state-change window of a first sync (YYYY-MM-DD); forces the window when given. */
  since?: string;
  /** New invoices are taken in as history: stored, not shown as work to do. */
  historyOnly?: boolean;
  client?: ChorusClient;
  onProgress?: (progress: SyncProgress) => void;
  log?: (line: string) => void;
  /** Most bytes asked in one download (default 100 MB, under Chorus' 120 MB). */
  batchMaxBytes?: number;
  /** Most invoices asked in one download (default 50). */
  batchMaxInvoices?: number;
  /** Parallel history calls (default 8). */
  concurrency?: number;
  /** Overlap of two successive windows (default 24 h: Chorus timestamps are minutes, Paris time). */
  overlapMinutes?: number;
  /** How long to wait for another running sync of the tenant (default 10 min). */
  leaseWaitMs?: number;
  /** Page size of the search (default 500). */
  pageSize?: number;
  /** Reader threads (default: cores − 1, 1 to 4); 0 reads in the calling thread. */
  readers?: number;
  /** Download batches in flight at once (default 3). */
  batchesInFlight?: number;
};

/** Chorus search item fields the sync uses (a stored invoice rebuilds one to be retried). */
type ChorusItem = Pick<FactureRecipiendaire, 'idFacture' | 'statut' | 'numeroFacture'> & Partial<FactureRecipiendaire> & { taille?: number };

type Prepared = {
  records: InvoiceRecordInput[];
  failures: { chorusId: number; reason: string }[];
  /** The batch's files, written and made durable together just before its transaction. */
  blobs: BlobBatch;
};

const FATAL_KINDS = new Set(['piste-auth', 'account']);
const DEFAULT_BATCH_BYTES = 100 * 1024 * 1024;
const ESTIMATED_INVOICE_BYTES = 512 * 1024;

export function isFatalChorusError(error: unknown): error is ChorusError {
  return error instanceof ChorusError && FATAL_KINDS.has(error.kind);
}

/** "YYYY-MM-DDTHH:mm:ss" in Paris time: how Chorus writes dateHeureEtatCourant and reads its windows. */
export function parisDateTime(instant: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Subtracts minutes from a Paris local "YYYY-MM-DDTHH:mm:ss" (calendar arithmetic, DST-agnostic). */
function minusMinutes(local: string, minutes: number): string {
  const asUtc = new Date(`${local.slice(0, 19)}Z`);
  return new Date(asUtc.getTime() - minutes * 60_000).toISOString().slice(0, 19);
}

/** First day of a first sync: 1 January of last year (the open and the previous exercice). */
export function defaultFirstSince(now = new Date()): string {
  return `${now.getUTCFullYear() - 1}-01-01`;
}

function amount(value: number | undefined | null): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
}

function summaryOf(item: ChorusItem): ChorusSummary {
  return {
    number: item.numeroFacture ?? null,
    issueDate: item.dateFacture ?? null,
    currency: item.devise ?? null,
    sellerName: item.designationFournisseur ?? null,
    sellerSiret: item.typeIdentifiantFournisseur === 'SIRET' ? (item.codeFournisseur ?? null) : null,
    buyerSiret: item.codeDestinataire ?? null,
    amountHt: amount(item.montantHT),
    amountTtc: amount(item.montantTTC),
    amountPayable: amount(item.montantAPayer),
    orderReference: item.numeroBonCommande ?? null,
    contractReference: item.numeroMarche ?? null,
    documentType: item.typeFacture === 'AVOIR' ? 'creditNote' : 'invoice',
  };
}

async function mapWithConcurrency<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  });
  await Promise.all(workers);
  return results;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Plans downloads: at most `maxInvoices` per batch, and under `maxBytes` using Chorus' sizes when given. */
export function planBatches(items: ChorusItem[], maxInvoices: number, maxBytes: number): ChorusItem[][] {
  const batches: ChorusItem[][] = [];
  let current: ChorusItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = typeof item.taille === 'number' && item.taille > 0 ? item.taille : ESTIMATED_INVOICE_BYTES;
    if (current.length > 0 && (current.length >= maxInvoices || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Time spent per phase (ms), summed over batches: for the bench and for diagnosing slow syncs. */
export type SyncTimings = { download: number; read: number; history: number; blobs: number; store: number };

class TenantSync {
  readonly timings: SyncTimings = { download: 0, read: 0, history: 0, blobs: 0, store: 0 };
  readonly summary: SyncSummary = { seen: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, failed: 0 };
  readonly errors: string[] = [];
  private readonly startedAt = Date.now();
  private processedTotal = 0;
  private progress: SyncProgress = {
    phase: 'structures',
    structureIndex: 0,
    structureCount: 0,
    structureName: null,
    pages: 0,
    seen: 0,
    toFetch: 0,
    processed: 0,
    rate: 0,
    etaSeconds: null,
  };
  private readonly log: (line: string) => void;
  private readonly batchMaxInvoices: number;
  private readonly batchMaxBytes: number;
  private readonly concurrency: number;
  readonly readPool: ReadPool;

  constructor(
    private readonly context: AppContext,
    private readonly tenantId: string,
    private readonly client: ChorusClient,
    private readonly lease: SyncLease,
    private readonly options: SyncOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.batchMaxInvoices = options.batchMaxInvoices ?? 50;
    this.batchMaxBytes = options.batchMaxBytes ?? DEFAULT_BATCH_BYTES;
    this.concurrency = options.concurrency ?? 8;
    this.readPool = createReadPool(options.readers);
  }

  close(): Promise<void> {
    return this.readPool.close();
  }

  private emit(patch: Partial<SyncProgress>): void {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    this.progress = { ...this.progress, ...patch };
    const rate = elapsed > 0 ? this.processedTotal / elapsed : 0;
    const remaining = this.progress.toFetch - this.progress.processed;
    this.progress.rate = rate;
    this.progress.etaSeconds = rate > 0 && remaining >= 0 ? remaining / rate : null;
    this.options.onProgress?.(this.progress);
  }

  /** Refreshes structures and services from Chorus; returns the structures to sync. */
  async refreshStructures(): Promise<{ id: string; chorusId: number; siret: string; name: string }[]> {
    const db = this.context.store.db;
    const now = new Date().toISOString();
    const active = await this.client.recupererStructuresActivesDestinataire();
    const result: { id: string; chorusId: number; siret: string; name: string }[] = [];
    for (const structure of active) {
      const services = await this.client.rechercherServicesStructure(structure.idStructureCPP).catch((error: unknown) => {
        if (isFatalChorusError(error)) throw error;
        this.log(`Services de ${structure.designationStructure} non lus : ${errorMessage(error)}`);
        return null;
      });
      const id = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('structures')
          .values({
            id: newId(),
            tenant_id: this.tenantId,
            chorus_id: structure.idStructureCPP,
            siret: structure.identifiant,
            name: structure.designationStructure,
            active: 1,
            refreshed_at: now,
          })
          .onConflict((conflict) =>
            conflict.columns(['tenant_id', 'chorus_id']).doUpdateSet({ siret: structure.identifiant, name: structure.designationStructure, active: 1, refreshed_at: now }),
          )
          .execute();
        const row = await trx
          .selectFrom('structures')
          .select('id')
          .where('tenant_id', '=', this.tenantId)
          .where('chorus_id', '=', structure.idStructureCPP)
          .executeTakeFirstOrThrow();
        for (const service of services ?? []) {
          await trx
            .insertInto('chorus_services')
            .values({
              id: newId(),
              tenant_id: this.tenantId,
              structure_id: row.id,
              chorus_id: service.idService,
              code: service.codeService,
              name: service.libelleService,
              active: service.estActif ? 1 : 0,
              refreshed_at: now,
            })
            .onConflict((conflict) =>
              conflict
                .columns(['structure_id', 'chorus_id'])
                .doUpdateSet({ code: service.codeService, name: service.libelleService, active: service.estActif ? 1 : 0, refreshed_at: now }),
            )
            .execute();
        }
        return row.id;
      });
      result.push({ id, chorusId: structure.idStructureCPP, siret: structure.identifiant, name: structure.designationStructure });
    }
    if (active.length > 0) {
      const seenIds = active.map((structure) => structure.idStructureCPP);
      await db
        .updateTable('structures')
        .set({ active: 0, refreshed_at: now })
        .where('tenant_id', '=', this.tenantId)
        .where('chorus_id', 'not in', seenIds)
        .execute();
    }
    return result;
  }

  async syncStructure(structure: { id: string; chorusId: number; name: string }, index: number, count: number): Promise<void> {
    const db = this.context.store.db;
    const cursor = await db
      .selectFrom('sync_cursors')
      .select('window_end')
      .where('tenant_id', '=', this.tenantId)
      .where('structure_id', '=', structure.id)
      .executeTakeFirst();
    const windowEnd = parisDateTime(new Date());
    const windowStart = this.options.since
      ? `${this.options.since}T00:00:00`
      : cursor
        ? minusMinutes(cursor.window_end, this.options.overlapMinutes ?? 24 * 60)
        : `${defaultFirstSince()}T00:00:00`;
    this.emit({ phase: 'search', structureIndex: index, structureCount: count, structureName: structure.name, pages: 0, toFetch: 0, processed: 0 });
    this.log(`${structure.name} : recherche des factures modifiées du ${windowStart} au ${windowEnd}`);

    const pageSize = this.options.pageSize ?? 500;
    const items: ChorusItem[] = [];
    for await (const item of this.client.searchReceivedInvoices({
      idDestinataire: structure.chorusId,
      periodeDateHeureEtatCourantDu: windowStart,
      periodeDateHeureEtatCourantAu: windowEnd,
      pageSize,
    })) {
      items.push(item);
      this.summary.seen += 1;
      if (items.length % pageSize === 1) this.emit({ pages: Math.ceil(items.length / pageSize), seen: this.summary.seen });
    }
    this.emit({ pages: Math.ceil(items.length / pageSize), seen: this.summary.seen });

    const states = await loadChorusStates(db, this.tenantId, items.map((item) => item.idFacture));
    const toFetch = items.filter((item) => {
      const state = states.get(item.idFacture);
      const unchanged = state !== undefined && state.chorusStatus === item.statut && state.chorusStatusAt === (item.dateHeureEtatCourant ?? null);
      if (unchanged) this.summary.unchanged += 1;
      return !unchanged;
    });
    this.log(`${structure.name} : ${items.length} factures vues, ${toFetch.length} à télécharger`);
    const failedBefore = this.summary.failed;
    await this.processItems(toFetch, structure.id);
    if (this.summary.failed === failedBefore) {
      const now = new Date().toISOString();
      this.lease.assertHeld();
      await db
        .insertInto('sync_cursors')
        .values({ tenant_id: this.tenantId, structure_id: structure.id, window_end: windowEnd, updated_at: now })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'structure_id']).doUpdateSet({ window_end: windowEnd, updated_at: now }))
        .execute();
    } else {
      this.log(`${structure.name} : fenêtre conservée, les factures en échec seront reprises à la prochaine synchronisation`);
    }
  }

  /** Downloads, reads and stores `items`, one download batch ahead of the store. */
  async processItems(items: ChorusItem[], structureId: string | null): Promise<void> {
    this.emit({ phase: 'invoices', toFetch: items.length, processed: 0 });
    const batches = planBatches(items, this.batchMaxInvoices, this.batchMaxBytes);
    const pending: Promise<Prepared>[] = [];
    let next = 0;
    const launch = () => {
      if (next >= batches.length) return;
      const promise = this.prepare(batches[next++]!, structureId);
      promise.catch(() => undefined); // awaited below; avoids an unhandled rejection meanwhile
      pending.push(promise);
    };
    // Several batches in flight (default three): Chorus prepares one while we read another and store a third.
    for (let index = 0; index < (this.options.batchesInFlight ?? 3); index += 1) launch();
    let processed = 0;
    while (pending.length > 0) {
      const prepared = await pending.shift()!;
      launch();
      await this.store(prepared);
      processed += prepared.records.length + prepared.failures.length;
      this.processedTotal += prepared.records.length + prepared.failures.length;
      this.emit({ processed });
    }
  }

  private async store(prepared: Prepared): Promise<void> {
    for (const failure of prepared.failures) {
      this.summary.failed += 1;
      this.errors.push(`facture Chorus ${failure.chorusId} : ${failure.reason}`);
      this.log(`Échec facture Chorus ${failure.chorusId} : ${failure.reason}`);
    }
    if (prepared.records.length === 0) return;
    this.lease.assertHeld();
    const { db, dialect } = this.context.store;
    const indexInvoice = await loadIndexer();
    const now = new Date().toISOString();
    const started = performance.now();
    const outcomes = await db.transaction().execute(async (trx) => {
      const results = await upsertInvoices(trx, dialect, prepared.records, { now });
      if (indexInvoice) for (const { id } of results) await indexInvoice(trx, dialect, id);
      return results;
    });
    this.timings.store += performance.now() - started;
    for (const [index, { outcome }] of outcomes.entries()) {
      this.summary[outcome] += 1;
      if (prepared.records[index]!.quarantineReason) this.summary.quarantined += 1;
    }
  }

  /** Downloads and reads one batch; never throws except on a fatal (credentials) error. */
  async prepare(batch: ChorusItem[], structureId: string | null): Promise<Prepared> {
    const prepared: Prepared = { records: [], failures: [], blobs: new BlobBatch(this.context.blobs) };
    const timed = async <T>(phase: keyof SyncTimings, work: Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work;
      } finally {
        this.timings[phase] += performance.now() - started;
      }
    };
    const pivots = await timed('download', this.downloadPivots(batch, prepared));
    // Reads (in the reader threads) and history calls (HTTP) run side by side.
    const readsPromise = timed(
      'read',
      Promise.all(
        pivots.map(async ({ item, pivot }) => {
          if (!pivot) return null;
          try {
            return await this.readPool.read({ idFacture: item.idFacture, typeFacture: item.typeFacture ?? null, pivot });
          } catch (error) {
            return { model: null, original: null, attachments: [], needsPdf: false, quarantine: `Lecture impossible : ${errorMessage(error)}` } satisfies ReadOutcome;
          }
        }),
      ),
    );
    const historiesPromise = timed(
      'history',
      mapWithConcurrency(pivots, this.concurrency, async ({ item }) => {
        try {
          return (await this.client.consulterHistoriqueFacture(item.idFacture)).historiquesDesStatuts?.histoStatut ?? [];
        } catch (error) {
          if (isFatalChorusError(error)) throw error;
          return error as Error;
        }
      }),
    );
    historiesPromise.catch(() => undefined); // awaited below, after the reads
    const reads = await readsPromise;
    const needPdf = pivots.filter((_, index) => reads[index]?.needsPdf === true).map(({ item }) => item);
    const renditions = await timed('download', this.downloadRenditions(needPdf, prepared));
    const histories = await historiesPromise;
    const started = performance.now();
    for (const [index, { item, pivot, reason }] of pivots.entries()) {
      const read = reads[index] ?? null;
      const history = histories[index];
      if (history instanceof Error) {
        prepared.failures.push({ chorusId: item.idFacture, reason: `historique Chorus illisible : ${history.message}` });
        continue;
      }
      if (read?.needsPdf && renditions.failed.has(item.idFacture)) continue;
      const files: StoredInvoiceFile[] = [];
      const put = (role: StoredInvoiceFile['role'], filename: string, mimeType: string | null, content: Uint8Array) => {
        const stored = prepared.blobs.add(content);
        if (!files.some((file) => file.sha256 === stored.sha256 && file.role === role)) {
          files.push({ role, filename, mimeType, size: stored.size, sha256: stored.sha256 });
        }
        return stored.sha256;
      };
      let pivotSha: string | null = null;
      let originalSha: string | null = null;
      let pdfSha: string | null = null;
      if (pivot) pivotSha = put('pivot', `${item.idFacture}-pivot.xml`, 'application/xml', pivot);
      if (read?.original) originalSha = put('original', read.original.filename, read.original.mimeType, read.original.content);
      for (const attachment of read?.attachments ?? []) put('attachment', attachment.filename, attachment.mimeType, attachment.content);
      const rendition = renditions.files.get(item.idFacture);
      if (rendition) pdfSha = put('pdf', `${item.idFacture}.pdf`, 'application/pdf', rendition);
      else if (read?.original && /pdf/i.test(read.original.mimeType ?? read.original.filename)) pdfSha = originalSha;
      const cycles = computeCycles(history as HistoStatut[]);
      const madeAvailable = cycles.find((entry) => entry.status === 'MISE_A_DISPOSITION')?.at ?? null;
      prepared.records.push({
        tenantId: this.tenantId,
        structureId,
        chorusId: item.idFacture,
        chorusStatus: item.statut,
        chorusStatusAt: item.dateHeureEtatCourant ?? null,
        depositedAt: item.dateDepot ?? null,
        madeAvailableAt: madeAvailable,
        chorusServiceCode: item.codeServiceExecutant ?? null,
        initialStatus: statusFromChorus(item.statut),
        statusOnUpdate: (current) => statusAfterChorus(current.status, item.statut),
        model: read?.model ?? null,
        summary: summaryOf(item),
        files,
        history: cycles,
        pivotSha256: pivotSha,
        originalSha256: originalSha,
        pdfSha256: pdfSha,
        quarantineReason: read ? read.quarantine : (reason ?? 'pivot absent'),
        historyOnly: this.options.historyOnly ?? false,
      });
    }
    // Every file of the batch is made durable here, before the batch can reach its transaction
    // (store() runs only on a resolved prepare): no row ever points at a file that is not durable.
    await prepared.blobs.flush();
    this.timings.blobs += performance.now() - started;
    return prepared;
  }

  /** The per-invoice pivot of each item; null (with a quarantine reason) when Chorus gave none. */
  private async downloadPivots(batch: ChorusItem[], prepared: Prepared): Promise<{ item: ChorusItem; pivot: Buffer | null; reason?: string }[]> {
    let content: Buffer;
    try {
      content = await this.client.telechargerGroupeFacture({ format: 'PIVOT', idFactures: batch.map((item) => item.idFacture) });
    } catch (error) {
      if (isFatalChorusError(error)) throw error;
      if (error instanceof ChorusError && error.kind === 'too-large') {
        if (batch.length > 1) {
          const middle = Math.ceil(batch.length / 2);
          return [...(await this.downloadPivots(batch.slice(0, middle), prepared)), ...(await this.downloadPivots(batch.slice(middle), prepared))];
        }
        return [{ item: batch[0]!, pivot: null, reason: 'Chorus Pro refuse de télécharger cette facture : plus de 120 Mo (HTTP 413).' }];
      }
      for (const item of batch) prepared.failures.push({ chorusId: item.idFacture, reason: `téléchargement du pivot impossible : ${errorMessage(error)}` });
      return [];
    }
    const segments = splitPivot(content);
    const byId = new Map<number, Buffer>();
    const unmatched: Buffer[] = [];
    for (const segment of segments) {
      const id = /<(?:[\w.-]+:)?IdCPRO>\s*(\d+)\s*</.exec(segment.toString('latin1'))?.[1];
      if (id && batch.some((item) => item.idFacture === Number(id))) byId.set(Number(id), segment);
      else unmatched.push(segment);
    }
    // Pivots without IdCPRO (V1): matched by invoice number, then by position when counts agree.
    const missing = batch.filter((item) => !byId.has(item.idFacture));
    if (missing.length > 0 && unmatched.length > 0) {
      for (const segment of [...unmatched]) {
        const number = /<(?:[\w.-]+:)?DonneesFacture\b[\s\S]*?<(?:[\w.-]+:)?Id>([^<]+)</.exec(segment.toString('latin1'))?.[1]?.trim();
        const item = missing.find((candidate) => !byId.has(candidate.idFacture) && candidate.numeroFacture === number);
        if (item) {
          byId.set(item.idFacture, segment);
          unmatched.splice(unmatched.indexOf(segment), 1);
        }
      }
      const stillMissing = batch.filter((item) => !byId.has(item.idFacture));
      if (stillMissing.length === unmatched.length) stillMissing.forEach((item, index) => byId.set(item.idFacture, unmatched[index]!));
    }
    return batch.map((item) => {
      const pivot = byId.get(item.idFacture) ?? null;
      return pivot ? { item, pivot } : { item, pivot: null, reason: "Chorus Pro n'a pas renvoyé le pivot de cette facture." };
    });
  }

  /** PDF renditions of invoices whose original is XML only (or absent), in one download when possible. */
  private async downloadRenditions(
    items: ChorusItem[],
    prepared: Prepared,
  ): Promise<{ files: Map<number, Buffer>; failed: Set<number> }> {
    const files = new Map<number, Buffer>();
    const failed = new Set<number>();
    if (items.length === 0) return { files, failed };
    const fetchGroup = async (group: ChorusItem[]): Promise<void> => {
      let content: Buffer;
      try {
        content = await this.client.telechargerGroupeFacture({ format: 'PDF', idFactures: group.map((item) => item.idFacture), avecPiecesJointesComplementaires: false });
      } catch (error) {
        if (isFatalChorusError(error)) throw error;
        if (group.length > 1) {
          const middle = Math.ceil(group.length / 2);
          await fetchGroup(group.slice(0, middle));
          await fetchGroup(group.slice(middle));
          return;
        }
        failed.add(group[0]!.idFacture);
        prepared.failures.push({ chorusId: group[0]!.idFacture, reason: `téléchargement du PDF impossible : ${errorMessage(error)}` });
        return;
      }
      const mapped = await mapRenditions(content, group);
      if (mapped === null) {
        if (group.length > 1) {
          for (const item of group) await fetchGroup([item]);
          return;
        }
        failed.add(group[0]!.idFacture);
        prepared.failures.push({ chorusId: group[0]!.idFacture, reason: 'PDF de Chorus Pro illisible' });
        return;
      }
      for (const [id, pdf] of mapped) files.set(id, pdf);
    };
    await fetchGroup(items);
    return { files, failed };
  }
}

/**
 * Maps a PDF download to its invoices: a bare PDF for a single invoice, or a ZIP with one folder (or
 * file) per invoice named after its idFacture or number. Null when the layout is not recognised.
 */
async function mapRenditions(content: Buffer, group: ChorusItem[]): Promise<Map<number, Buffer> | null> {
  const result = new Map<number, Buffer>();
  if (content.subarray(0, 5).toString('latin1') === '%PDF-') {
    if (group.length !== 1) return null;
    result.set(group[0]!.idFacture, content);
    return result;
  }
  if (!isZip(content)) return null;
  const limits = resolveLimits({ maxBytes: 130 * 1024 * 1024, maxZipEntries: Math.max(64, group.length * 8) });
  let entries;
  try {
    entries = await expandZip(content, 'telechargement.zip', limits, new Deadline(limits.timeoutMs));
  } catch {
    return null;
  }
  const pdfs = entries.filter((entry) => /\.pdf$/i.test(entry.filename) && !entry.filename.endsWith('/'));
  if (group.length === 1) {
    const first = pdfs[0];
    if (!first) return null;
    result.set(group[0]!.idFacture, Buffer.from(first.content));
    return result;
  }
  // The readers' ZIP expansion keeps only base names: match on the idFacture in the name, else on a
  // number that is unique in the group and in the archive (planted or real duplicates share a
  // number); anything ambiguous makes the caller download one invoice at a time.
  const baseName = (entry: { filename: string }) => entry.filename.split('/').pop()!.replace(/\.pdf$/i, '');
  for (const item of group) {
    const id = String(item.idFacture);
    const byId = pdfs.filter((entry) => new RegExp(`(^|[^0-9])${id}([^0-9]|$)`).test(entry.filename));
    const sameNumber = group.filter((other) => other.numeroFacture === item.numeroFacture).length;
    const byNumber = pdfs.filter((entry) => baseName(entry) === item.numeroFacture || baseName(entry) === item.numeroFacture.replace(/[^A-Za-z0-9._-]+/g, '_'));
    const match = byId.length === 1 ? byId[0] : sameNumber === 1 && byNumber.length === 1 ? byNumber[0] : undefined;
    if (!match) return null;
    result.set(item.idFacture, Buffer.from(match.content));
  }
  return result;
}

type Indexer = (trx: Parameters<typeof upsertInvoices>[0], dialect: AppContext['store']['dialect'], invoiceId: string) => Promise<void>;
let indexerPromise: Promise<Indexer | null> | null = null;

/** The search indexer of the search module, when it is installed (it is optional for the sync). */
function loadIndexer(): Promise<Indexer | null> {
  indexerPromise ??= import('../search/index-invoice.ts').then(
    (module) => (module as { indexInvoice?: Indexer }).indexInvoice ?? null,
    () => null,
  );
  return indexerPromise;
}

async function beginRun(context: AppContext, tenantId: string, historyOnly: boolean): Promise<string> {
  const db = context.store.db;
  const runId = newId();
  // A run left "running" by a killed process is marked interrupted: we hold the lease, so it is not running.
  await db
    .updateTable('sync_runs')
    .set({ status: 'interrupted', finished_at: new Date().toISOString() })
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'running')
    .execute();
  await db
    .insertInto('sync_runs')
    .values({ id: runId, tenant_id: tenantId, started_at: new Date().toISOString(), finished_at: null, status: 'running', history_only: historyOnly ? 1 : 0, summary_json: null, error: null })
    .execute();
  return runId;
}

async function endRun(context: AppContext, runId: string, summary: SyncSummary, error: string | null): Promise<void> {
  await context.store.db
    .updateTable('sync_runs')
    .set({ status: error ? 'failed' : 'done', finished_at: new Date().toISOString(), summary_json: JSON.stringify(summary), error })
    .where('id', '=', runId)
    .execute();
}

/** Synchronises one tenant with Chorus Pro. Throws on credentials or unreachable Chorus (nothing half-written). */
export async function syncTenant(context: AppContext, tenantId: string, options: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now();
  const holder = newId();
  const lease = await acquireSyncLease(context.store.db, tenantId, holder, {
    ...(options.leaseWaitMs !== undefined ? { waitMs: options.leaseWaitMs } : {}),
    ...(options.log ? { onWait: options.log } : {}),
  });
  let runId: string | null = null;
  let sync: TenantSync | null = null;
  try {
    runId = await beginRun(context, tenantId, options.historyOnly ?? false);
    const client = options.client ?? (await chorusClientForTenant(context, tenantId));
    sync = new TenantSync(context, tenantId, client, lease, options);
    const structures = await sync.refreshStructures();
    if (structures.length === 0) options.log?.("Chorus Pro ne rattache aucune structure active à ce compte technique : rien à synchroniser.");
    for (const [index, structure] of structures.entries()) await sync.syncStructure(structure, index + 1, structures.length);
    await endRun(context, runId, sync.summary, null);
    return { ...sync.summary, runId, tenantId, structures: structures.length, durationMs: Date.now() - started, errors: sync.errors, timings: sync.timings };
  } catch (error) {
    if (runId) await endRun(context, runId, sync?.summary ?? { seen: 0, new: 0, updated: 0, unchanged: 0, quarantined: 0, failed: 0 }, errorMessage(error)).catch(() => undefined);
    throw error;
  } finally {
    await sync?.close().catch(() => undefined);
    await lease.release().catch(() => undefined);
  }
}

/** Re-reads (downloads again) the quarantined invoices of a tenant: a fixed reader may now read them. */
export async function retryQuarantined(context: AppContext, tenantId: string, options: SyncOptions & { chorusIds?: number[] } = {}): Promise<SyncResult> {
  const started = Date.now();
  const lease = await acquireSyncLease(context.store.db, tenantId, newId(), { ...(options.leaseWaitMs !== undefined ? { waitMs: options.leaseWaitMs } : {}) });
  try {
    const client = options.client ?? (await chorusClientForTenant(context, tenantId));
    const sync = new TenantSync(context, tenantId, client, lease, options);
    let query = context.store.db.selectFrom('invoices').selectAll().where('tenant_id', '=', tenantId).where('quarantined', '=', 1);
    if (options.chorusIds) query = query.where('chorus_id', 'in', options.chorusIds.length > 0 ? options.chorusIds : [-1]);
    const rows = await query.orderBy('chorus_id').execute();
    const groups = new Map<string | null, ChorusItem[]>();
    for (const row of rows) {
      const item: ChorusItem = {
        idFacture: Number(row.chorus_id),
        statut: (row.chorus_status ?? 'MISE_A_DISPOSITION') as FactureRecipiendaire['statut'],
        numeroFacture: row.number ?? '',
        ...(row.chorus_status_at ? { dateHeureEtatCourant: row.chorus_status_at } : {}),
        ...(row.deposited_at ? { dateDepot: row.deposited_at } : {}),
        ...(row.issue_date ? { dateFacture: row.issue_date } : {}),
        ...(row.currency ? { devise: row.currency } : {}),
        ...(row.seller_name ? { designationFournisseur: row.seller_name } : {}),
        ...(row.seller_siret ? { codeFournisseur: row.seller_siret, typeIdentifiantFournisseur: 'SIRET' } : {}),
        ...(row.buyer_siret ? { codeDestinataire: row.buyer_siret } : {}),
        ...(row.chorus_service_code ? { codeServiceExecutant: row.chorus_service_code } : {}),
        ...(row.order_reference ? { numeroBonCommande: row.order_reference } : {}),
        ...(row.contract_reference ? { numeroMarche: row.contract_reference } : {}),
        ...(row.document_type === 'creditNote' ? { typeFacture: 'AVOIR' as const } : {}),
      };
      sync.summary.seen += 1;
      const list = groups.get(row.structure_id) ?? [];
      list.push(item);
      groups.set(row.structure_id, list);
    }
    try {
      for (const [structureId, items] of groups) await sync.processItems(items, structureId);
    } finally {
      await sync.close().catch(() => undefined);
    }
    return { ...sync.summary, runId: newId(), tenantId, structures: groups.size, durationMs: Date.now() - started, errors: sync.errors, timings: sync.timings };
  } finally {
    await lease.release().catch(() => undefined);
  }
}

/** Syncs every tenant that has a Chorus connection, one after the other; a failing tenant does not stop the others. */
export async function syncAllTenants(
  context: AppContext,
  options: SyncOptions = {},
): Promise<{ tenantId: string; result?: SyncResult; error?: string }[]> {
  const tenants = await context.store.db.selectFrom('tenants').select(['id']).where('chorus_connection_encrypted', 'is not', null).orderBy('created_at').execute();
  const results: { tenantId: string; result?: SyncResult; error?: string }[] = [];
  for (const tenant of tenants) {
    try {
      results.push({ tenantId: tenant.id, result: await syncTenant(context, tenant.id, options) });
    } catch (error) {
      results.push({ tenantId: tenant.id, error: errorMessage(error) });
    }
  }
  return results;
}
