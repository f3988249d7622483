/** What a credential may do: every route declares the scope it needs. */
export const SCOPES = ["read", "trade", "transfer", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
