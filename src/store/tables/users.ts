// Row types of the accounts tables (migration 0008): local users, their roles per collectivité,
// server-side sessions (shared by every instance), login failures (rate limiting across instances)
// and the saved views of the invoice list.

export type UserTable = {
  id: string;
  /** Login name, stored lower-case. */
  username: string;
  display_name: string;
  /** scrypt$N$r$p$salt$hash (base64url), see src/app/users/passwords.ts. */
  password_hash: string;
  active: number;
  created_at: string;
  updated_at: string;
};

export type UserGrantTable = {
  user_id: string;
  tenant_id: string;
  /** One of ROLES in src/domain/roles.ts. */
  role: string;
  created_at: string;
};

export type SessionTable = {
  /** sha256 of the cookie token: a leaked table does not give usable sessions. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
};

export type LoginFailureTable = {
  id: string;
  /** "user:<username>" or "ip:<address>". */
  key: string;
  at: string;
};

export type SavedViewTable = {
  id: string;
  user_id: string;
  tenant_id: string;
  name: string;
  /** The invoice-list query (filters, text, sort) as JSON. */
  query_json: string;
  created_at: string;
};
