/**
 * Authenticating a feed socket: the `auth` request carries one of the bearer
 * tokens the gateway accepts — our access token (`verifyAccessToken`, the same
 * signing keys, issuer and audience; its API key's IP allowlist against the
 * address the socket connected from; its refresh family not revoked, through
 * the gateway's per-isolate revocation cache) or, when configured, an OIDC
 * access token. The socket then holds a session: account, scopes, expiry.
 *
 * Order methods check the session again each time (expiry, and revocation at
 * most once per `AUTH_REVOCATION_CACHE_MS`), so a revoked or expired token
 * stops trading without closing the socket; `auth` with a fresh token renews it
 * (for the same account only: a socket never changes account).
 */
import { decodeJwt } from "jose";
import { type TokenRejected, verifyAccessTokenOnce } from "../../shared/auth/access-token.ts";
import { isLoopbackAddress } from "../../shared/auth/client-address.ts";
import { type AuthEnv, authConfig } from "../../shared/auth/config.ts";
import { ipAllowed } from "../../shared/auth/ip.ts";
import { type OidcEnv, oidcConfig, verifyOidcToken } from "../../shared/auth/oidc.ts";
import { checkRevocation } from "../../shared/auth/revocation.ts";
import type { Scope } from "../../shared/auth/scopes.ts";
import { deploymentSigningKeys } from "../../shared/auth/signing-keys.ts";
import {
  AuthParamsSchema,
  CancelOnDisconnectParamsSchema,
  issues,
  type ReplyErrorCode,
  type RequestId,
} from "../../shared/feed/protocol.ts";
import type { Account } from "../account/index.ts";
import { accountStub } from "../account/stub.ts";
import type { Session, SessionCheck } from "./identity.ts";
import type { FeedSocket } from "./subscriptions.ts";

export type { Session, SessionCheck } from "./identity.ts";

/** What a shard needs to verify tokens and reach accounts. */
export type SessionEnv = AuthEnv &
  OidcEnv & {
    ENVIRONMENT?: string;
    JWT_SIGNING_KEYS?: string;
    ACCOUNT: DurableObjectNamespace<Account>;
  };

/** Verifies a bearer token as the gateway would for a request from `ip`. */
export async function verifySessionToken(
  env: SessionEnv,
  token: string,
  ip: string | undefined,
  now = Date.now(),
): Promise<SessionCheck> {
  let claims: { iss?: unknown; exp?: unknown };
  try {
    claims = decodeJwt(token);
  } catch {
    return refused(
      "malformed_token",
      "The token is not a JWT we can read: send the access_token of POST /v1/auth/token.",
    );
  }
  const config = authConfig(env);
  if (claims.iss === config.issuer) {
    let keys: Awaited<ReturnType<typeof deploymentSigningKeys>>;
    try {
      keys = await deploymentSigningKeys(env, { loopback: isLoopbackAddress(ip) });
    } catch (err) {
      return refused("auth_not_configured", `Tokens cannot be verified here: ${(err as Error).message}`);
    }
    let verified: Awaited<ReturnType<typeof verifyAccessTokenOnce>>;
    try {
      verified = await verifyAccessTokenOnce(token, keys, config, now);
    } catch (err) {
      return refused((err as TokenRejected).reason, (err as TokenRejected).message);
    }
    if (verified.ipAllowlist && !ipAllowed(verified.ipAllowlist, ip)) {
      return refused("ip_not_allowed", `This token's API key may not be used from ${ip ?? "an unknown address"}.`);
    }
    const session: Session = {
      account: verified.account,
      scopes: verified.scopes,
      via: "access_token",
      family: verified.family,
      key_id: verified.keyId,
      expires_at: verified.expiresAt * 1000,
    };
    return revocation(env, session, now);
  }
  let oidc: ReturnType<typeof oidcConfig>;
  try {
    oidc = oidcConfig(env);
  } catch (err) {
    return refused("auth_not_configured", (err as Error).message);
  }
  if (oidc && claims.iss === oidc.issuer) {
    try {
      const principal = await verifyOidcToken(token, oidc, now);
      const exp = typeof claims.exp === "number" ? claims.exp * 1000 : now;
      return {
        ok: true,
        session: { account: principal.account, scopes: principal.scopes, via: "oidc", expires_at: exp },
      };
    } catch (err) {
      return refused((err as TokenRejected).reason, (err as TokenRejected).message);
    }
  }
  return refused("untrusted_issuer", "The token's issuer is not trusted here.");
}

/** A session still usable for trading: not expired, its family not revoked. */
export async function checkSession(env: SessionEnv, session: Session, now = Date.now()): Promise<SessionCheck> {
  if (session.expires_at <= now) {
    return refused("token_expired", "The session's token has expired: send auth again with a fresh access token.");
  }
  return revocation(env, session, now);
}

async function revocation(env: SessionEnv, session: Session, now: number): Promise<SessionCheck> {
  const { family, key_id: keyId, account } = session;
  if (family === undefined || keyId === undefined) return { ok: true, session };
  let revoked: boolean;
  try {
    ({ revoked } = await checkRevocation(
      { account, family, keyId, expiresAt: session.expires_at },
      { account: () => accountStub(env.ACCOUNT, account).familyStatus(account, family, keyId) },
      authConfig(env).revocationCacheMs,
      now,
    ));
  } catch (err) {
    return refused("unavailable", `The account did not answer (${String(err)}); retry shortly.`);
  }
  if (revoked) return refused("token_revoked", "This token's session has been revoked.");
  return { ok: true, session };
}

function refused(reason: string, message: string): SessionCheck {
  return { ok: false, reason, message };
}

// ── the socket side: `auth`, cancel-on-disconnect, access checks ─────────

/** How handlers answer a request (the shard's `reply` and `fail`). */
export interface Answer {
  reply(socket: FeedSocket, id: RequestId, result: unknown): void;
  fail(
    socket: FeedSocket,
    id: RequestId,
    code: ReplyErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ): void;
}

/**
 * Whether a socket may take a session of its account (the per-account socket cap); on
 * success it counts as authenticated from then on.
 */
export type AdmitSession = (
  socket: FeedSocket,
  session: Session,
) => Promise<{ ok: true } | { ok: false; code: ReplyErrorCode; message: string }>;

/** Sessions of a shard's sockets: the `auth` and `session.*` methods, and the checks other methods make. */
export class Sessions {
  private readonly env: SessionEnv;
  private readonly answer: Answer;
  private readonly admit: AdmitSession;

  constructor(env: SessionEnv, answer: Answer, admit: AdmitSession) {
    this.env = env;
    this.answer = answer;
    this.admit = admit;
  }

  /** `auth`: verifies a bearer token as the gateway would and gives the socket its session. */
  async auth(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const parsed = AuthParamsSchema.safeParse(raw);
    if (!parsed.success) {
      return this.answer.fail(
        socket,
        id,
        "invalid_params",
        `params are {token: "<access token>", cancel_on_disconnect?: boolean}: ${issues(parsed.error)}`,
      );
    }
    const checked = await verifySessionToken(this.env, parsed.data.token, socket.ip);
    if (!socket.open) return;
    if (!checked.ok) {
      return this.answer.fail(socket, id, "unauthenticated", checked.message, { reason: checked.reason });
    }
    const session = checked.session;
    const current = socket.session;
    if (current && current.account !== session.account) {
      return this.answer.fail(
        socket,
        id,
        "account_mismatch",
        `This socket is authenticated as ${current.account}; open another socket for ${session.account}.`,
      );
    }
    const cod = parsed.data.cancel_on_disconnect;
    if (cod === true && !session.scopes.includes("trade")) {
      return this.answer.fail(
        socket,
        id,
        "missing_scope",
        "cancel_on_disconnect needs a token with the 'trade' scope.",
        { scope: "trade" },
      );
    }
    // A socket's first session counts against its account's socket cap; a renewal does not.
    if (!current) {
      const admitted = await this.admit(socket, session);
      if (!socket.open) return;
      if (!admitted.ok) return this.answer.fail(socket, id, admitted.code, admitted.message);
    }
    socket.recordSession(cod === undefined ? { session } : { session, cancelOnDisconnect: cod });
    this.answer.reply(socket, id, {
      account: session.account,
      scopes: session.scopes,
      expires_at: new Date(session.expires_at).toISOString(),
      expires_at_ms: session.expires_at,
      cancel_on_disconnect: socket.cancelOnDisconnect,
    });
  }

  /** `session.cancel_on_disconnect`: turns cancel-on-disconnect on or off. */
  async setCancelOnDisconnect(socket: FeedSocket, id: RequestId, raw: unknown): Promise<void> {
    const session = this.require(socket, id, "trade", "Cancel-on-disconnect");
    if (!session) return;
    const parsed = CancelOnDisconnectParamsSchema.safeParse(raw);
    if (!parsed.success) {
      return this.answer.fail(socket, id, "invalid_params", `params are {enabled: boolean}: ${issues(parsed.error)}`);
    }
    if (!(await this.stillValid(socket, id, session)) || !socket.open) return;
    socket.recordSession({ cancelOnDisconnect: parsed.data.enabled });
    this.answer.reply(socket, id, { cancel_on_disconnect: socket.cancelOnDisconnect });
  }

  /** The socket's session if it has `scope`; otherwise answers `unauthenticated` or `missing_scope`. */
  require(socket: FeedSocket, id: RequestId, scope: Scope, what: string): Session | undefined {
    const session = socket.session;
    if (!session) {
      this.answer.fail(
        socket,
        id,
        "unauthenticated",
        `${what} needs an authenticated socket: send {"id", "method": "auth", "params": {"token": "<access token>"}} first.`,
      );
      return undefined;
    }
    if (!session.scopes.includes(scope)) {
      this.answer.fail(
        socket,
        id,
        "missing_scope",
        `${what} needs the '${scope}' scope; this session has ${session.scopes.join(", ") || "none"}.`,
        { scope },
      );
      return undefined;
    }
    return session;
  }

  /** True if the session is neither expired nor revoked; otherwise answers why. */
  async stillValid(socket: FeedSocket, id: RequestId, session: Session): Promise<boolean> {
    const check = await checkSession(this.env, session);
    if (check.ok) return true;
    const code = check.reason === "unavailable" ? "unavailable" : "unauthenticated";
    this.answer.fail(socket, id, code, check.message, { reason: check.reason });
    return false;
  }
}
