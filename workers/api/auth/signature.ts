/**
 * Signed requests: an alternative to bearer tokens for bots. The client sends
 *
 *   X-P3-Key: <api key id>
 *   X-P3-Timestamp: <epoch ms>
 *   X-P3-Nonce: <16–64 of A-Z a-z 0-9 _ ->
 *   X-P3-Signature: <hex or base64url>
 *
 * over the signing string
 *
 *   timestamp \n nonce \n METHOD \n path \n query \n sha256hex(body)
 *
 * where path and query are the URL's `pathname` and `search` without `?` as
 * the WHATWG URL parser gives them (`new URL(url)`; query empty if none), and
 * the body hash that of the exact bytes sent (of the empty string for none). HMAC-SHA256 keys use
 * SHA-256(secret) as the HMAC key; Ed25519 keys sign with their private key.
 */

export const SIGNATURE_HEADERS = {
  key: "x-p3-key",
  timestamp: "x-p3-timestamp",
  nonce: "x-p3-nonce",
  signature: "x-p3-signature",
} as const;

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
const TIMESTAMP = /^\d{1,15}$/;

export interface SigningParts {
  timestamp: string;
  nonce: string;
  method: string;
  path: string;
  query: string;
  /** Lowercase hex SHA-256 of the body bytes. */
  bodySha256: string;
}

export function signingString(p: SigningParts): string {
  return [p.timestamp, p.nonce, p.method.toUpperCase(), p.path, p.query, p.bodySha256].join("\n");
}

/** The path and query (without `?`) of a URL as the WHATWG URL parser reads them, which is what the Worker sees. */
export function pathAndQuery(url: string): { path: string; query: string } {
  const u = new URL(url);
  return { path: u.pathname, query: u.search.slice(1) };
}

export interface SignatureHeaders {
  keyId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

/**
 * The signature headers of a request: undefined if none is present, an error
 * message if some are missing or malformed.
 */
export function readSignatureHeaders(headers: Headers): SignatureHeaders | string | undefined {
  const keyId = headers.get(SIGNATURE_HEADERS.key);
  const timestamp = headers.get(SIGNATURE_HEADERS.timestamp);
  const nonce = headers.get(SIGNATURE_HEADERS.nonce);
  const signature = headers.get(SIGNATURE_HEADERS.signature);
  if (keyId === null && timestamp === null && nonce === null && signature === null) return undefined;
  if (!keyId || !timestamp || !nonce || !signature) {
    return "A signed request needs all of X-P3-Key, X-P3-Timestamp, X-P3-Nonce and X-P3-Signature.";
  }
  if (!TIMESTAMP.test(timestamp)) return "X-P3-Timestamp must be epoch milliseconds.";
  if (!NONCE.test(nonce)) return "X-P3-Nonce must be 16 to 64 characters of A-Z, a-z, 0-9, '_' and '-'.";
  return { keyId, timestamp, nonce, signature };
}
