import type { Scope } from "../../shared/auth/scopes.ts";

/** An authenticated socket's identity (kept in its attachment, so it survives hibernation). */
export interface Session {
  account: string;
  scopes: Scope[];
  via: "access_token" | "oidc";
  /** Refresh family of an access token (revocation). */
  family?: string;
  key_id?: string;
  /** Epoch ms when the token expires. */
  expires_at: number;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: string; message: string };
