/**
 * Signed requests (docs/gateway-and-auth.md, "Signed requests"): the signing string and its
 * HMAC-SHA256 and Ed25519 signatures, with Web Crypto only (Node 22, browsers, Workers).
 *
 * The signing string is six lines joined by `\n`: timestamp (epoch ms), nonce, METHOD, path,
 * query (without `?`, empty if none), and the hex SHA-256 of the exact body bytes sent (of the
 * empty string for none); path and query as `new URL(url)` gives them.
 */

const encoder = new TextEncoder();

/**
 * Web Crypto's key type, named through `crypto.subtle` so the file typechecks with the DOM
 * library (browsers) and with Node's types alike.
 */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** An Ed25519 private key as a JWK. */
export interface Ed25519Jwk {
  kty?: string;
  crv?: string;
  /** The private key, base64url. */
  d?: string;
  /** The public key, base64url. */
  x?: string;
}

/** Lower-case hex of some bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const b of view) out += b.toString(16).padStart(2, "0");
  return out;
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/** SHA-256 of bytes (or of a string's UTF-8 bytes), hex. */
export async function sha256Hex(data: Uint8Array<ArrayBuffer> | string = ""): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? utf8(data) : data));
}

/** What a request's signature covers. */
export interface SigningInput {
  /** Epoch milliseconds, as sent in `X-P3-Timestamp`. */
  timestamp: number | string;
  /** As sent in `X-P3-Nonce`. */
  nonce: string;
  method: string;
  /** `new URL(url).pathname`. */
  path: string;
  /** `new URL(url).search` without its `?` (empty when there is none). */
  query: string;
  /** Hex SHA-256 of the body bytes ({@link sha256Hex}; of "" for no body). */
  bodySha256: string;
}

/** The exact string a signed request signs. */
export function signingString(input: SigningInput): string {
  return [
    String(input.timestamp),
    input.nonce,
    input.method.toUpperCase(),
    input.path,
    input.query,
    input.bodySha256,
  ].join("\n");
}

/** The signing input of a request to `url` with `body` (the bytes sent). */
export async function signingInputOf(
  method: string,
  url: URL | string,
  body: Uint8Array<ArrayBuffer> | undefined,
  timestamp: number,
  nonce: string,
): Promise<SigningInput> {
  const u = typeof url === "string" ? new URL(url) : url;
  return {
    timestamp,
    nonce,
    method,
    path: u.pathname,
    query: u.search.startsWith("?") ? u.search.slice(1) : u.search,
    bodySha256: await sha256Hex(body ?? ""),
  };
}

/** A fresh nonce: 32 hex digits from the platform's CSPRNG (the API accepts 16–64 of `A-Za-z0-9_-`). */
export function newNonce(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The HMAC key of a secret API key: HMAC-SHA256 keyed with SHA-256 of the secret's UTF-8 bytes. */
export async function hmacKey(secret: string): Promise<WebCryptoKey> {
  const raw = await crypto.subtle.digest("SHA-256", utf8(secret));
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** The HMAC-SHA256 signature of `payload`, hex. */
export async function hmacSign(key: WebCryptoKey, payload: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", key, utf8(payload)));
}

/** An Ed25519 private key: a JWK (`kty: OKP`, `crv: Ed25519`, with `d`), PKCS#8 bytes or PEM, or a CryptoKey. */
export type Ed25519PrivateKey = Ed25519Jwk | ArrayBuffer | Uint8Array<ArrayBuffer> | string | WebCryptoKey;

function pemBytes(pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match?.[1]) throw new TypeError("An Ed25519 PEM key must be PKCS#8 (-----BEGIN PRIVATE KEY-----)");
  const bin = atob(match[1].replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function isCryptoKey(key: unknown): key is WebCryptoKey {
  return typeof key === "object" && key !== null && "algorithm" in key && "usages" in key && "type" in key;
}

/** Imports an Ed25519 private key for signing (Web Crypto's `Ed25519`). */
export async function importEd25519PrivateKey(key: Ed25519PrivateKey): Promise<WebCryptoKey> {
  if (isCryptoKey(key)) return key;
  const algorithm = { name: "Ed25519" };
  if (typeof key === "string") return crypto.subtle.importKey("pkcs8", pemBytes(key), algorithm, false, ["sign"]);
  if (key instanceof ArrayBuffer || key instanceof Uint8Array) {
    return crypto.subtle.importKey("pkcs8", key, algorithm, false, ["sign"]);
  }
  const jwk = key as Ed25519Jwk;
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d) {
    throw new TypeError("An Ed25519 JWK private key has kty OKP, crv Ed25519 and d");
  }
  // Only the members Web Crypto needs (a `use` or `key_ops` that forbids signing would fail the import).
  return crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d }, algorithm, false, ["sign"]);
}

/** The Ed25519 signature of `payload`, hex. */
export async function ed25519Sign(key: WebCryptoKey, payload: string): Promise<string> {
  return toHex(await crypto.subtle.sign({ name: "Ed25519" }, key, utf8(payload)));
}
