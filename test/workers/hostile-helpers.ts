/**
 * Shared by the hostile-input suites: their run count, and bearer tokens an
 * attacker (or a confused client) might send, built from one real access
 * token: expired, forged with another key, unsigned, tampered, the wrong kind
 * of token. None of them may authenticate anyone, over HTTP or on the feed socket.
 */
import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { signingKeys } from "../../shared/auth/signing-keys.ts";

/**
 * Runs per property: `HOSTILE_RUNS`, else `fallback`. Tests run inside workerd, where the
 * shell's environment is not `process.env`: vitest.config.ts passes `HOSTILE_RUNS` on as a
 * binding when it is set, so `HOSTILE_RUNS=200 npx vitest run …` works.
 */
export function hostileRuns(fallback: number): number {
  const raw = process.env.HOSTILE_RUNS;
  const runs = Number(raw ?? fallback);
  if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error(`HOSTILE_RUNS="${raw}" is not a positive integer.`);
  return runs;
}

export interface HostileToken {
  name: string;
  token: string;
}

const b64url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A JWT with `header` and `claims`, signed with `key` (the deployment's own key unless given). */
async function sign(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key?: CryptoKey,
  alg = "EdDSA",
): Promise<string> {
  const signingKey = key ?? (await signingKeys(env.JWT_SIGNING_KEYS)).signingKey;
  return new SignJWT(claims).setProtectedHeader({ ...header, alg }).sign(signingKey);
}

/**
 * Tokens derived from `access` (a valid access token of one account) that must
 * all be refused; `refresh` is that session's refresh token, `foreign` a valid
 * access token of another account (its payload is grafted onto `access`'s signature).
 */
export async function hostileTokens(access: string, refresh: string, foreign: string): Promise<HostileToken[]> {
  const [h, p, s] = access.split(".") as [string, string, string];
  const header = decodeProtectedHeader(access) as Record<string, unknown>;
  const claims = decodeJwt(access) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  const stranger = (await generateKeyPair("Ed25519")).privateKey;
  const { exp: _exp, ...noExp } = claims;
  const { fam: _fam, ...noFamily } = claims;
  const flipped = `${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`;
  const hmacSecret = new TextEncoder().encode(JSON.stringify(header));
  return [
    { name: "expired", token: await sign(header, { ...claims, iat: now - 4000, exp: now - 3600 }) },
    { name: "just expired (past the clock tolerance)", token: await sign(header, { ...claims, exp: now - 30 }) },
    { name: "forged: another key, same kid", token: await sign(header, claims, stranger) },
    { name: "forged: unknown kid", token: await sign({ ...header, kid: "attacker-1" }, claims, stranger) },
    { name: "forged: another issuer", token: await sign(header, { ...claims, iss: "https://evil.example" }, stranger) },
    { name: "alg none", token: `${b64url(JSON.stringify({ alg: "none", typ: "at+jwt" }))}.${p}.` },
    { name: "alg none, signature kept", token: `${b64url(JSON.stringify({ ...header, alg: "none" }))}.${p}.${s}` },
    {
      name: "alg HS256 (key confusion)",
      token: await new SignJWT(claims).setProtectedHeader({ ...header, alg: "HS256" }).sign(hmacSecret),
    },
    {
      name: "tampered scope",
      token: `${h}.${b64url(JSON.stringify({ ...claims, scope: "read trade transfer admin" }))}.${s}`,
    },
    { name: "tampered expiry", token: `${h}.${b64url(JSON.stringify({ ...claims, exp: now + 86_400 * 365 }))}.${s}` },
    { name: "another account's payload", token: `${h}.${foreign.split(".")[1]}.${s}` },
    { name: "signature flipped", token: `${h}.${p}.${flipped}` },
    { name: "signature stripped", token: `${h}.${p}.` },
    { name: "wrong typ", token: await sign({ ...header, typ: "JWT" }, claims) },
    { name: "wrong audience", token: await sign(header, { ...claims, aud: "urn:platform3:other" }) },
    { name: "no expiry", token: await sign(header, noExp) },
    { name: "no refresh family", token: await sign(header, noFamily) },
    { name: "claims of the wrong type", token: await sign(header, { ...claims, sub: 42, scope: ["admin"] }) },
    { name: "refresh token as access token", token: refresh },
    { name: "two tokens", token: `${access} ${access}` },
    { name: "not a JWT", token: "not-a-jwt" },
    { name: "unicode", token: "ñ🙂.\u0000.\u202e" },
    { name: "oversized", token: `${h}.${b64url("x".repeat(12_000))}.${s}` },
  ];
}
