/**
 * Account: one Durable Object per account, addressed by account id. Holds the
 * account's API keys, refresh-token families and signed-request nonces
 * (gateway auth), and its money: balances, holds and the ledger journal
 * (`funds.ts`; this object is their only writer) and the trading kill switch.
 * Open orders and pre-trade risk arrive with order entry.
 *
 * Credentials are checked here, so no secret or verification key ever leaves
 * the object: the edge sends what it was given and gets back a grant (to sign
 * an access token for) or a refusal with a stable reason.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import { importJWK, jwtVerify } from "jose";
import type { Scope } from "../../workers/api/auth-context.ts";
import { type Sql, sqlOver } from "../sql.ts";
import { decodeSignature, sameDigest, secretVerifier, verifyEd25519, verifyHmac } from "./crypto.ts";
import { type BalanceView, Funds, type LedgerEntriesPage, type TransferInput, type TransferResult } from "./funds.ts";
import {
  createKey,
  findKey,
  listKeys,
  parsePublicKey,
  parseScopes,
  refusal,
  revokeKey,
  touch,
  unusable,
} from "./keys.ts";
import type { EntryQuery } from "./ledger-store.ts";
import { ACCOUNT_MIGRATIONS } from "./schema.ts";
import { familyRevoked, openFamily, revokeByToken, revokeFamily, rotate } from "./tokens.ts";
import type {
  ApiKeyView,
  CreatedKey,
  Grant,
  NewKey,
  Refusal,
  SignedRequestCheck,
  SignedRequestOk,
  TokenLifetimes,
} from "./types.ts";

export type * from "./funds.ts";
export type { EntryQuery } from "./ledger-store.ts";
export type * from "./types.ts";

export interface AccountInfo {
  account_id: string;
  name: string | null;
  created_at: string;
}

export type CreateAccountResult =
  | { ok: true; account: AccountInfo; api_key: CreatedKey }
  | { ok: false; code: "account_exists"; message: string };

export type RevokeKeyResult =
  /** `families`: the refresh families revoked with the key (the edge forgets them at once). */
  | { ok: true; families: string[] }
  | { ok: false; code: "api_key_not_found"; message: string }
  | { ok: false; code: "missing_scope"; scope: Scope; message: string };

/** Answered for an account that was never created (no storage is written). */
export interface AccountNotFound {
  ok: false;
  code: "account_not_found";
  message: string;
}

export interface AccountBalances {
  ok: true;
  account_id: string;
  trading_enabled: boolean;
  balances: BalanceView[];
}

export interface TradingSwitch {
  ok: true;
  account_id: string;
  trading_enabled: boolean;
  /** RFC 3339 and epoch ms of the last change, null if never changed. */
  changed_at: string | null;
  changed_at_ms: number | null;
}

export interface AssertionCheck {
  key_id: string;
  assertion: string;
  /** Accepted `aud` values (the token endpoint URL, the issuer). */
  audiences: string[];
  ip: string | undefined;
  /** Longest accepted exp − iat, seconds. */
  max_lifetime_s: number;
}

/** Algorithms accepted for token assertions signed with a client's Ed25519 key. */
const ASSERTION_ALGORITHMS = ["EdDSA", "Ed25519"];

interface AccountRow extends Record<string, string | number | null> {
  account_id: string;
  name: string | null;
  created_at: number;
  trading_enabled: number;
  trading_changed_at: number | null;
}

export class Account extends DurableObject {
  private readonly sql: Sql;
  private readonly migrations: SQLSchemaMigrations;
  /** False until the schema exists: an object only reached by unknown credentials never writes storage. */
  private migrated = false;
  private migrating: Promise<void> | undefined;
  private self: AccountRow | undefined;
  /** Balances and ledger, loaded with the schema. */
  private funds: Funds | undefined;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: ACCOUNT_MIGRATIONS });
    void ctx.blockConcurrencyWhile(async () => {
      const exists = this.sql.one`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'account'`;
      if (exists) await this.runMigrations();
    });
  }

  // ── accounts and keys ──────────────────────────────────────────────────

  /** Creates this account with its first key (operator bootstrap). */
  async createAccount(
    account: string,
    input: { name?: string | undefined; key: NewKey },
  ): Promise<CreateAccountResult> {
    await this.migrate();
    if (this.self) return { ok: false, code: "account_exists", message: `Account ${account} already exists.` };
    const now = Date.now();
    this.ensure(account, input.name ?? null, now);
    const key = await createKey(this.sql, account, input.key, now);
    return { ok: true, account: this.info(), api_key: key };
  }

  /** The account, or null if it was never created (an OIDC principal without keys). */
  async describe(account: string): Promise<AccountInfo | null> {
    this.check(account);
    return this.self ? this.info() : null;
  }

  /** Creates a key; an account first seen here (an OIDC principal) comes into being. */
  async createKey(account: string, input: NewKey): Promise<CreatedKey> {
    await this.migrate();
    const now = Date.now();
    this.ensure(account, null, now);
    return createKey(this.sql, account, input, now);
  }

  async listKeys(account: string): Promise<ApiKeyView[]> {
    this.check(account);
    if (!this.migrated) return [];
    return listKeys(this.sql, Date.now());
  }

  /** Revokes a key (and its refresh families) if the caller holds every scope it has. */
  async revokeKey(account: string, keyId: string, callerScopes: readonly Scope[]): Promise<RevokeKeyResult> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, keyId) : undefined;
    if (!row || row.revoked_at !== null) {
      return { ok: false, code: "api_key_not_found", message: `No API key ${keyId}.` };
    }
    const lacking = parseScopes(row).find((s) => !callerScopes.includes(s));
    if (lacking) {
      return {
        ok: false,
        code: "missing_scope",
        scope: lacking,
        message: `Revoking this key needs the '${lacking}' scope it has.`,
      };
    }
    return { ok: true, families: revokeKey(this.sql, keyId, Date.now()) ?? [] };
  }

  // ── tokens ─────────────────────────────────────────────────────────────

  /** `api_key` + `api_secret` → a refresh grant. Unknown key and wrong secret refuse alike. */
  async grantWithSecret(
    account: string,
    input: { key_id: string; secret: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    const verifier = await secretVerifier(input.secret);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    if (!row?.secret_hash || !sameDigest(verifier, row.secret_hash)) {
      return refusal("invalid_credentials", "Unknown API key or wrong secret.");
    }
    const now = Date.now();
    const blocked = unusable(row, input.ip, now);
    if (blocked) return blocked;
    return openFamily(this.sql, account, row, lifetimes, now);
  }

  /** A JWT assertion signed with the key's Ed25519 private key (RFC 7523) → a refresh grant. */
  async grantWithAssertion(
    account: string,
    input: AssertionCheck,
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    const jwk = row ? parsePublicKey(row) : null;
    if (!row || !jwk) return refusal("invalid_assertion", "Unknown API key, or not an Ed25519 key.");
    let exp: number;
    let jti: string;
    try {
      const key = await importJWK({ ...jwk }, "EdDSA");
      const { payload } = await jwtVerify(input.assertion, key, {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: input.key_id,
        subject: input.key_id,
        audience: input.audiences,
        requiredClaims: ["exp", "iat", "jti"],
        clockTolerance: 5,
      });
      exp = payload.exp as number;
      jti = payload.jti as string;
      if (exp - (payload.iat as number) > input.max_lifetime_s) throw new Error("lifetime");
    } catch {
      return refusal(
        "invalid_assertion",
        `The assertion is invalid: sign a JWT with iss = sub = the key id, aud = the token endpoint, iat, exp at most ${input.max_lifetime_s} s later and a unique jti.`,
      );
    }
    const now = Date.now();
    if (!this.useNonce(input.key_id, `jti:${jti}`, exp * 1000 + 5_000, now)) {
      return refusal("replayed_nonce", "This assertion's jti was already used.");
    }
    const blocked = unusable(row, input.ip, now);
    if (blocked) return blocked;
    return openFamily(this.sql, account, row, lifetimes, now);
  }

  async refresh(
    account: string,
    input: { token: string; ip: string | undefined },
    lifetimes: TokenLifetimes,
  ): Promise<Grant | Refusal> {
    this.check(account);
    if (!this.migrated) return refusal("refresh_token_unknown", "Unknown refresh token.");
    return rotate(this.sql, account, input.token, input.ip, lifetimes, Date.now());
  }

  /** Revokes a refresh token's family; the family, or null for an unknown token. */
  async revokeRefreshToken(account: string, token: string): Promise<string | null> {
    this.check(account);
    if (!this.migrated) return null;
    return (await revokeByToken(this.sql, token, Date.now())) ?? null;
  }

  async revokeFamily(account: string, family: string): Promise<void> {
    this.check(account);
    if (this.migrated) revokeFamily(this.sql, family, "revoked", Date.now());
  }

  /** True if access tokens of this family must be refused. */
  async familyRevoked(account: string, family: string): Promise<boolean> {
    this.check(account);
    return !this.migrated || familyRevoked(this.sql, family);
  }

  // ── signed requests ────────────────────────────────────────────────────

  /** Verifies a signed request (HMAC-SHA256 or Ed25519 by the key's kind) and spends its nonce. */
  async verifySignedRequest(account: string, input: SignedRequestCheck): Promise<SignedRequestOk | Refusal> {
    this.check(account);
    const row = this.migrated ? findKey(this.sql, input.key_id) : undefined;
    const signature = decodeSignature(input.signature);
    const invalid = refusal("invalid_signature", "The signature does not match the request (see the signing string).");
    if (!row || !signature) return invalid;
    let good = false;
    if (row.kind === "secret" && row.hmac_key) {
      good = signature.byteLength === 32 && (await verifyHmac(row.hmac_key, input.payload, signature));
    } else if (row.kind === "ed25519") {
      const jwk = parsePublicKey(row);
      good = jwk !== null && signature.byteLength === 64 && (await verifyEd25519(jwk, input.payload, signature));
    }
    if (!good) return invalid;
    // Synchronous from here on: a nonce is spent at most once.
    const now = Date.now();
    const blocked = unusable(findKey(this.sql, input.key_id), input.ip, now);
    if (blocked) return blocked;
    if (!this.useNonce(input.key_id, input.nonce, input.nonce_expires_at, now)) {
      return refusal("replayed_nonce", "This nonce was already used with this key.");
    }
    touch(this.sql, row, now);
    return { ok: true, key_id: row.key_id, scopes: parseScopes(row) };
  }

  // ── balances and ledger ────────────────────────────────────────────────

  /** Credits `amount` of `asset` once per `reference` (operator). */
  async deposit(account: string, input: TransferInput): Promise<TransferResult> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : funds.transfer(account, "deposit", input);
  }

  /** Debits available `asset` once per `reference` (operator); never below zero available. */
  async withdraw(account: string, input: TransferInput): Promise<TransferResult> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : funds.transfer(account, "withdrawal", input);
  }

  /** Per asset total, hold and available (decimal strings), and the kill switch. */
  async balances(account: string): Promise<AccountBalances | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const self = this.self as AccountRow;
    return { ok: true, account_id: account, trading_enabled: self.trading_enabled === 1, balances: funds.balances() };
  }

  /** Journal entries, newest first. */
  async ledgerEntries(
    account: string,
    query: EntryQuery,
  ): Promise<({ ok: true } & LedgerEntriesPage) | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    return "ok" in funds ? funds : { ok: true, ...funds.entries(query) };
  }

  /** The kill switch: order entry refuses new orders while `trading_enabled` is false. */
  async setTradingEnabled(account: string, enabled: boolean): Promise<TradingSwitch | AccountNotFound> {
    this.check(account);
    const funds = this.fundsOf(account);
    if ("ok" in funds) return funds;
    const self = this.self as AccountRow;
    if ((self.trading_enabled === 1) !== enabled) {
      const now = Date.now();
      this.sql`UPDATE account SET trading_enabled = ${enabled ? 1 : 0}, trading_changed_at = ${now} WHERE id = 1`;
      self.trading_enabled = enabled ? 1 : 0;
      self.trading_changed_at = now;
    }
    const at = self.trading_changed_at;
    return {
      ok: true,
      account_id: account,
      trading_enabled: self.trading_enabled === 1,
      changed_at: at === null ? null : new Date(at).toISOString(),
      changed_at_ms: at,
    };
  }

  // ── internals ──────────────────────────────────────────────────────────

  /** Creates or upgrades the schema once, with other events held back meanwhile. */
  private async migrate(): Promise<void> {
    if (this.migrated) return;
    this.migrating ??= this.ctx
      .blockConcurrencyWhile(() => this.runMigrations())
      .finally(() => {
        this.migrating = undefined;
      });
    await this.migrating;
  }

  private async runMigrations(): Promise<void> {
    await this.migrations.runAll();
    this.self = this.sql.one<AccountRow>`
      SELECT account_id, name, created_at, trading_enabled, trading_changed_at FROM account WHERE id = 1`;
    this.funds = new Funds(this.sql, this.ctx.storage);
    this.migrated = true;
  }

  /** The account's funds, or not found for an account never created (without writing storage). */
  private fundsOf(account: string): Funds | AccountNotFound {
    if (!this.self || !this.funds) {
      return { ok: false, code: "account_not_found", message: `No account ${account}.` };
    }
    return this.funds;
  }

  /** Records a nonce; false if it was already there. Forgets expired ones. */
  private useNonce(keyId: string, nonce: string, expiresAt: number, now: number): boolean {
    this.sql`DELETE FROM nonces WHERE expires_at < ${now}`;
    const inserted = this.sql<{ nonce: string }>`
      INSERT INTO nonces (key_id, nonce, expires_at) VALUES (${keyId}, ${nonce}, ${expiresAt})
      ON CONFLICT DO NOTHING RETURNING nonce`;
    return inserted.length === 1;
  }

  /** Creates the account row on first use; refuses a call addressed to another account. */
  private ensure(account: string, name: string | null, now: number): void {
    if (this.self) return this.check(account);
    this.sql`INSERT INTO account (id, account_id, name, created_at) VALUES (1, ${account}, ${name}, ${now})`;
    this.self = { account_id: account, name, created_at: now, trading_enabled: 1, trading_changed_at: null };
  }

  private check(account: string): void {
    if (this.self && this.self.account_id !== account) {
      throw new Error(
        `This Account object holds ${this.self.account_id}, not ${account}: address it with accountStub(env.ACCOUNT, account).`,
      );
    }
  }

  private info(): AccountInfo {
    const self = this.self as AccountRow;
    return { account_id: self.account_id, name: self.name, created_at: new Date(self.created_at).toISOString() };
  }
}
