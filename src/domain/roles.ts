// Who may do what: the one home of authorisation rules. Use cases check `requirePermission`
// (the HTTP layer checks the same before calling them); tenant grants are checked by the caller.

export const ROLES = ['lecteur', 'gestionnaire', 'valideur', 'administrateur'] as const;
export type Role = (typeof ROLES)[number];

export type Actor = {
  /** 'user' for a person, 'cli' for an operator at the terminal, 'system' for workers. */
  kind: 'user' | 'cli' | 'system';
  id: string;
  /** Display name for timelines ("Marie Dupont", "liasse sync"). */
  name: string;
  roles: readonly Role[];
};

export const PERMISSIONS = {
  'invoice.read': ['lecteur', 'gestionnaire', 'valideur', 'administrateur'],
  'invoice.reconcile': ['gestionnaire', 'valideur', 'administrateur'],
  'invoice.propose': ['gestionnaire', 'valideur', 'administrateur'],
  'invoice.decide': ['gestionnaire', 'valideur', 'administrateur'],
  'invoice.certify_service_fait': ['valideur', 'administrateur'],
  'mandat.create': ['valideur', 'administrateur'],
  'bordereau.sign': ['valideur', 'administrateur'],
  'referential.write': ['gestionnaire', 'valideur', 'administrateur'],
  'archive.approve_elimination': ['administrateur'],
  'share.create': ['gestionnaire', 'valideur', 'administrateur'],
  'admin.manage': ['administrateur'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(actor: Actor, permission: Permission): boolean {
  if (actor.kind !== 'user') return true; // the operator at the terminal and workers act for the installation
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return actor.roles.some((role) => allowed.includes(role));
}

export class ForbiddenError extends Error {
  constructor(readonly permission: Permission) {
    super(`Action non autorisée pour votre rôle (${permission}).`);
    this.name = 'ForbiddenError';
  }
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) throw new ForbiddenError(permission);
}

export const CLI_ACTOR: Actor = { kind: 'cli', id: 'cli', name: 'liasse (ligne de commande)', roles: ['administrateur'] };
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', name: 'Liasse', roles: ['administrateur'] };
