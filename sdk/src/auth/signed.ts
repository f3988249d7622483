/**
 * Signed requests: every attempt carries `X-P3-Key`, `X-P3-Timestamp` (epoch ms of the server's
 * clock as this client estimates it), a fresh `X-P3-Nonce` and `X-P3-Signature` over the signing
 * string ({@link signingString}), HMAC-SHA256 for secret keys and Ed25519 for keys registered
 * with a public key. With `syncClock`, the offset to the server's clock is measured with
 * `GET /v1/time` before the first request and again after a 401 `stale_timestamp`.
 */
import { TransportError } from "../errors.ts";
import type { components } from "../generated/openapi.ts";
import { errorOfResponse } from "./http.ts";
import {
  type Ed25519PrivateKey,
  ed25519Sign,
  hmacKey,
  hmacSign,
  importEd25519PrivateKey,
  newNonce,
  signingInputOf,
  signingString,
} from "./signing.ts";
import type { AuthContext, Authenticator, AuthProvider, OutgoingRequest } from "./types.ts";

interface ClockOptions {
  /**
   * Measure the offset to the server's clock (`GET /v1/time`) before the first signed request and
   * after a 401 `stale_timestamp` (default false: the local clock is trusted).
   */
  syncClock?: boolean;
  /** A known offset to add to the client's clock, ms (server − client). */
  clockOffsetMs?: number;
}

export interface HmacAuthOptions extends ClockOptions {
  /** The API key id. */
  keyId: string;
  /** The key's secret: the HMAC key is SHA-256 of it. */
  secret: string;
}

export interface Ed25519AuthOptions extends ClockOptions {
  /** The API key id (a key created with `public_key`). */
  keyId: string;
  /** Its private key: a JWK, PKCS#8 bytes or PEM, or a CryptoKey. */
  privateKey: Ed25519PrivateKey;
}

/** The server's clock as the client estimates it: the local clock plus a measured offset. */
export class ServerClock {
  readonly #ctx: AuthContext;
  #offset: number;
  #sync: Promise<number> | undefined;
  #synced = false;

  constructor(context: AuthContext, offsetMs = 0) {
    this.#ctx = context;
    this.#offset = offsetMs;
  }

  /** Server − client, ms. */
  get offsetMs(): number {
    return this.#offset;
  }

  get synced(): boolean {
    return this.#synced;
  }

  now(): number {
    return Math.round(this.#ctx.now() + this.#offset);
  }

  /** Measures the offset with `GET /v1/time` (the midpoint of the round trip); one measurement at a time. */
  sync(): Promise<number> {
    this.#sync ??= this.#measure().finally(() => {
      this.#sync = undefined;
    });
    return this.#sync;
  }

  async #measure(): Promise<number> {
    const t0 = this.#ctx.now();
    let response: Response;
    try {
      response = await this.#ctx.fetch(
        new Request(`${this.#ctx.baseUrl}/v1/time`, { headers: { ...this.#ctx.headers, accept: "application/json" } }),
      );
    } catch (err) {
      throw new TransportError(`GET /v1/time: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    if (!response.ok) throw await errorOfResponse(response, "GET /v1/time", this.#ctx.now);
    const time = (await response.json()) as components["schemas"]["Time"];
    const t1 = this.#ctx.now();
    this.#offset = time.epoch_ms - (t0 + t1) / 2;
    this.#synced = true;
    return this.#offset;
  }
}

type Sign = (payload: string) => Promise<string>;

export class RequestSigner implements Authenticator {
  readonly kind: "hmac" | "ed25519";
  readonly keyId: string;
  readonly clock: ServerClock;
  readonly #sign: Sign;
  readonly #syncClock: boolean;

  constructor(kind: "hmac" | "ed25519", keyId: string, sign: Sign, context: AuthContext, clock: ClockOptions) {
    this.kind = kind;
    this.keyId = keyId;
    this.#sign = sign;
    this.#syncClock = clock.syncClock ?? false;
    this.clock = new ServerClock(context, clock.clockOffsetMs);
  }

  async authorize(request: OutgoingRequest): Promise<void> {
    if (this.#syncClock && !this.clock.synced) await this.clock.sync();
    const timestamp = this.clock.now();
    const nonce = newNonce();
    const payload = signingString(await signingInputOf(request.method, request.url, request.body, timestamp, nonce));
    request.headers.delete("authorization");
    request.headers.set("x-p3-key", this.keyId);
    request.headers.set("x-p3-timestamp", String(timestamp));
    request.headers.set("x-p3-nonce", nonce);
    request.headers.set("x-p3-signature", await this.#sign(payload));
  }

  async recover(problem: { reason?: unknown }): Promise<boolean> {
    if (problem.reason !== "stale_timestamp" || !this.#syncClock) return false;
    await this.clock.sync();
    return true;
  }
}

/** HMAC-SHA256 signed requests with a secret key. */
export function hmacAuth(options: HmacAuthOptions): AuthProvider {
  return {
    bind(context) {
      const key = hmacKey(options.secret);
      // A failed import surfaces at the first signature, not as an unhandled rejection.
      key.catch(() => {});
      return new RequestSigner(
        "hmac",
        options.keyId,
        async (payload) => hmacSign(await key, payload),
        context,
        options,
      );
    },
  };
}

/** Ed25519 signed requests with a key registered by its public key. */
export function ed25519Auth(options: Ed25519AuthOptions): AuthProvider {
  return {
    bind(context) {
      const key = importEd25519PrivateKey(options.privateKey);
      key.catch(() => {});
      return new RequestSigner(
        "ed25519",
        options.keyId,
        async (payload) => ed25519Sign(await key, payload),
        context,
        options,
      );
    },
  };
}
