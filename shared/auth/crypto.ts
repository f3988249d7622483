/**
 * Credential checks of the Account object, on Web Crypto. Secrets are never
 * stored: a key keeps a domain-separated SHA-256 of its secret (to verify
 * `POST /v1/auth/token`) and, for HMAC-signed requests, the derived key
 * SHA-256(secret) that the client also computes. Ed25519 keys keep only the
 * client's public key.
 */
import { fromBase64, fromHex, toHex } from "../encoding.ts";

const encoder = new TextEncoder();

/** What a key stores to verify its secret at the token endpoint (hex). */
export async function secretVerifier(secret: string): Promise<string> {
  return sha256Hex(`platform3/api-secret/v1\n${secret}`);
}

/** The HMAC key of signed requests: SHA-256 of the secret's UTF-8 bytes (hex). Clients compute the same. */
export async function hmacKeyOf(secret: string): Promise<string> {
  return sha256Hex(secret);
}

export async function sha256Hex(data: string | Uint8Array | ArrayBuffer): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return toHex(new Uint8Array(digest));
}

/**
 * Constant-time equality of two digests (strings of one length: a digest's length is not
 * secret). Every character is compared, whatever the first difference.
 */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** HMAC-SHA256 check (constant time inside Web Crypto). */
export async function verifyHmac(hmacKeyHex: string, payload: string, signature: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey("raw", fromHex(hmacKeyHex), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify("HMAC", key, signature, encoder.encode(payload));
}

export interface Ed25519PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

export async function verifyEd25519(jwk: Ed25519PublicJwk, payload: string, signature: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify("Ed25519", key, signature, encoder.encode(payload));
}

/**
 * A client's Ed25519 public key as a JWK `{kty:"OKP", crv:"Ed25519", x}`, from
 * that JWK, the raw 32 bytes in base64url, or an SPKI PEM (`openssl pkey -pubout`).
 * Throws an Error naming the accepted forms.
 */
export async function parseEd25519PublicKey(input: unknown): Promise<Ed25519PublicJwk> {
  const fail = () =>
    new Error(
      "public_key must be an Ed25519 public key: a JWK {kty:'OKP', crv:'Ed25519', x}, 32 raw bytes in base64url, or an SPKI PEM",
    );
  let key: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  try {
    if (typeof input === "string" && input.includes("BEGIN PUBLIC KEY")) {
      const b64 = input.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
      key = await crypto.subtle.importKey("spki", fromBase64(b64), { name: "Ed25519" }, true, ["verify"]);
    } else if (typeof input === "string") {
      const raw = fromBase64(input);
      if (raw.byteLength !== 32) throw fail();
      key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, true, ["verify"]);
    } else if (typeof input === "object" && input !== null) {
      const { kty, crv, x } = input as Record<string, unknown>;
      if (kty !== "OKP" || crv !== "Ed25519" || typeof x !== "string") throw fail();
      key = await crypto.subtle.importKey("jwk", { kty, crv, x }, { name: "Ed25519" }, true, ["verify"]);
    } else {
      throw fail();
    }
  } catch {
    throw fail();
  }
  const jwk = (await crypto.subtle.exportKey("jwk", key)) as { x?: string };
  return { kty: "OKP", crv: "Ed25519", x: jwk.x as string };
}

/**
 * A signature from its header: lowercase or uppercase hex (64 characters for
 * HMAC-SHA256, 128 for Ed25519) or base64/base64url. Undefined if neither.
 */
export function decodeSignature(text: string): Uint8Array | undefined {
  if ((text.length === 64 || text.length === 128) && /^[0-9a-fA-F]+$/.test(text)) return fromHex(text);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  try {
    return fromBase64(text);
  } catch {
    return undefined;
  }
}
