// The whole database as Kysely sees it: one entry per table, row types in ./tables/.
import type {
  AcquitTable,
  BordereauMandatTable,
  BordereauTable,
  MandatLineTable,
  MandatPjTable,
  MandatTable,
} from './tables/mandats.ts';
import type {
  AlertDigestTable,
  AlertRecipientTable,
  EliminationItemTable,
  EliminationProposalTable,
  LateInterestRateTable,
  RetentionRuleTable,
  ShareLinkTable,
  WebhookDeliveryTable,
  WebhookEndpointTable,
} from './tables/archive.ts';
import type { JobScheduleTable, JobTable, SyncCursorTable, SyncLeaseTable, SyncRunTable } from './tables/sync.ts';
import type {
  AuditLogTable,
  ChorusHistoryTable,
  ChorusServiceTable,
  InvoiceFileTable,
  InvoiceLineTable,
  InvoiceTable,
  InvoiceVatTable,
  SequenceTable,
  StructureTable,
  TenantTable,
} from './tables/foundation.ts';
import type { PublishAttemptTable, PublishOutboxTable, PublishSettingsTable } from './tables/publish.ts';
import type {
  BudgetTable,
  EngagementTable,
  ExerciceTable,
  InvoiceAllocationTable,
  MarcheTable,
  ServiceTable,
  TiersTable,
} from './tables/referential.ts';
import type { InvoiceMatchTable, InvoiceSearchFacetTable, InvoiceSearchTable } from './tables/matching.ts';
import type { LoginFailureTable, SavedViewTable, SessionTable, UserGrantTable, UserTable } from './tables/users.ts';

export type Database = {
  tenants: TenantTable;
  structures: StructureTable;
  chorus_services: ChorusServiceTable;
  invoices: InvoiceTable;
  invoice_lines: InvoiceLineTable;
  invoice_vat: InvoiceVatTable;
  invoice_files: InvoiceFileTable;
  chorus_history: ChorusHistoryTable;
  audit_log: AuditLogTable;
  sequences: SequenceTable;
  // sync and jobs (0003)
  sync_cursors: SyncCursorTable;
  sync_leases: SyncLeaseTable;
  sync_runs: SyncRunTable;
  jobs: JobTable;
  job_schedules: JobScheduleTable;
  // referential (0002)
  budgets: BudgetTable;
  exercices: ExerciceTable;
  services: ServiceTable;
  tiers: TiersTable;
  marches: MarcheTable;
  engagements: EngagementTable;
  invoice_allocations: InvoiceAllocationTable;
  // matching and search (0004)
  invoice_matches: InvoiceMatchTable;
  invoice_search: InvoiceSearchTable;
  invoice_search_facets: InvoiceSearchFacetTable;
  // deadlines, alerts, archive, sharing (0007)
  late_interest_rates: LateInterestRateTable;
  alert_recipients: AlertRecipientTable;
  alert_digests: AlertDigestTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  retention_rules: RetentionRuleTable;
  elimination_proposals: EliminationProposalTable;
  elimination_items: EliminationItemTable;
  share_links: ShareLinkTable;
  // publish (0006)
  publish_outbox: PublishOutboxTable;
  publish_attempts: PublishAttemptTable;
  publish_settings: PublishSettingsTable;
  // mandats (0005)
  mandats: MandatTable;
  mandat_lines: MandatLineTable;
  mandat_pjs: MandatPjTable;
  bordereaux: BordereauTable;
  bordereau_mandats: BordereauMandatTable;
  acquits: AcquitTable;
  // users (0008)
  users: UserTable;
  user_grants: UserGrantTable;
  sessions: SessionTable;
  login_failures: LoginFailureTable;
  saved_views: SavedViewTable;
};
