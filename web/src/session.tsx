// The signed-in user, their collectivités and the one being worked on.
import { createContext, useContext } from 'react';

export type Grant = { tenantId: string; tenantName: string; role: 'lecteur' | 'gestionnaire' | 'valideur' | 'administrateur' };
export type SessionState = {
  demo: boolean;
  user: { id: string; username: string; displayName: string } | null;
  grants: Grant[];
  csrfToken: string | null;
};

export type SessionContextValue = SessionState & {
  refresh(): Promise<void>;
  logout(): Promise<void>;
};

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionContext');
  return value;
}

/** What each role may do, mirrored from src/domain/roles.ts to show only the actions a user can take (the server checks again). */
const PERMISSIONS: Record<string, readonly string[]> = {
  'invoice.read': ['lecteur', 'gestionnaire', 'valideur', 'administrateur'],
  'invoice.reconcile': ['gestionnaire', 'valideur', 'administrateur'],
  'invoice.decide': ['gestionnaire', 'valideur', 'administrateur'],
  'invoice.certify_service_fait': ['valideur', 'administrateur'],
  'mandat.create': ['valideur', 'administrateur'],
  'bordereau.sign': ['valideur', 'administrateur'],
  'referential.write': ['gestionnaire', 'valideur', 'administrateur'],
  'share.create': ['gestionnaire', 'valideur', 'administrateur'],
  'admin.manage': ['administrateur'],
};

export function canDo(grant: Grant | undefined, permission: keyof typeof PERMISSIONS | string): boolean {
  return grant !== undefined && (PERMISSIONS[permission] ?? []).includes(grant.role);
}
