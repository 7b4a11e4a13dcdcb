/** Who may do what. An API key maps to exactly one role; routes name the roles they admit. */
export const ROLES = ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** The authenticated caller of a command; recorded as the actor of every transition it causes. */
export interface Principal {
  /** Stable, non-secret id of the key used (never the key itself). */
  keyId: string;
  role: Role;
}

export const actorOf = (principal: Principal) => `${principal.role}:${principal.keyId}`;
