// Row types of the sync and job tables (migration 0003).

export type SyncCursorTable = {
  tenant_id: string;
  structure_id: string;
  /** ISO instant: every invoice whose state changed before it (minus the overlap) is stored. */
  window_end: string;
  updated_at: string;
};

export type SyncLeaseTable = {
  tenant_id: string;
  /** Unique per sync run (the run id). */
  holder: string;
  hostname: string;
  pid: number;
  acquired_at: string;
  expires_at: string;
};

export type SyncRunTable = {
  id: string;
  tenant_id: string;
  started_at: string;
  finished_at: string | null;
  /** running | done | failed | interrupted */
  status: string;
  history_only: number;
  /** The SyncSummary as JSON once finished. */
  summary_json: string | null;
  error: string | null;
};

export type JobTable = {
  id: string;
  name: string;
  payload_json: string;
  /** queued | running | done | failed */
  status: string;
  singleton_key: string | null;
  run_at: string;
  attempts: number;
  retry_limit: number;
  locked_by: string | null;
  /** While running: the lease; past it the job is taken over by another worker. */
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};

export type JobScheduleTable = {
  name: string;
  every_minutes: number;
  next_run_at: string;
  updated_at: string;
};
