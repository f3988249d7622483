import { z } from "zod";
import { SCOPES, type Scope } from "../../shared/auth/scopes.ts";

/** An authenticated socket's identity (kept in its attachment, so it survives hibernation). */
export interface Session {
  account: string;
  scopes: Scope[];
  /** How the credential behind it was proved: a bearer token on the socket, or a signed request at the edge. */
  via: "access_token" | "oidc" | "signature";
  /** Refresh family of an access token (revocation). */
  family?: string;
  key_id?: string;
  /** Epoch ms when the token expires. */
  expires_at: number;
}

export type SessionCheck = { ok: true; session: Session } | { ok: false; reason: string; message: string };

/**
 * The identity the edge already verified, on the upgrades it opens itself (the stream
 * bridge of GraphQL subscriptions and Connect server streams, workers/api/feed/bridge.ts).
 * Trusted because only the Worker reaches a shard, and the Worker strips it from every
 * upgrade a client sends (workers/api/feed/shards.ts).
 */
export const EDGE_SESSION_HEADER = "x-p3-edge-session";

const EdgeSessionSchema = z
  .object({
    account: z.string().min(1).max(128),
    scopes: z.array(z.enum(SCOPES)).max(SCOPES.length),
    via: z.enum(["access_token", "oidc", "signature"]),
    family: z.string().max(128).optional(),
    key_id: z.string().max(128).optional(),
    expires_at: z.number().int().positive(),
  })
  .strict();

/** The session of an edge-opened upgrade; undefined without the header, an error when it is malformed. */
export function edgeSession(value: string | null): Session | undefined | Error {
  if (value === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return new Error(`${EDGE_SESSION_HEADER} is not JSON`);
  }
  const parsed = EdgeSessionSchema.safeParse(json);
  return parsed.success ? parsed.data : new Error(`${EDGE_SESSION_HEADER}: ${parsed.error.issues[0]?.message}`);
}
