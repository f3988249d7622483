/**
 * Per-isolate cache of refresh-family revocation, so an access token costs an
 * Account-object call at most once per family per `AUTH_REVOCATION_CACHE_MS`.
 *
 * A revocation is keyed by account and family (a family speaks only for the
 * account it was issued to) and is final: it is remembered until its tokens'
 * expiry. A "live" answer is keyed by account, family and API key, since the
 * Account vouches for a family only together with the key it was issued for;
 * it is trusted for the cache time. Families this isolate revokes are known at
 * once; other isolates learn within the cache time (or at once through Redis,
 * where the edge has it).
 */
const MAX_ENTRIES = 10_000;
/** Kept past a token's expiry for the verifier's clock tolerance. */
const AFTER_EXPIRY_MS = 5_000;

/** A refresh family of an account. */
export interface FamilyRef {
  account: string;
  family: string;
}

/** What the revocation check needs of a verified access token. */
export interface TokenFamily extends FamilyRef {
  /** The API key the token names: the family must have been issued for it. */
  keyId: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * The Account's answer for a token's family: `live`, `revoked` (by the account,
 * for every key), or `refused` (unknown, or issued for another key: never vouches).
 */
export type FamilyStatus = "live" | "revoked" | "refused";

/** Epoch ms until which each entry may be trusted. */
const revokedFamilies = new Map<string, number>();
const liveTokens = new Map<string, number>();

const familyKey = (ref: FamilyRef) => `${ref.account}\u0000${ref.family}`;
const tokenKey = (ref: FamilyRef & { keyId: string }) => `${familyKey(ref)}\u0000${ref.keyId}`;

function fresh(map: Map<string, number>, key: string, now: number): boolean {
  const until = map.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  map.delete(key);
  return false;
}

function remember(map: Map<string, number>, key: string, until: number): void {
  if (map.size >= MAX_ENTRIES) {
    // Drop the oldest entry (Map keeps insertion order).
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.delete(key);
  map.set(key, until);
}

/** Cached status: true revoked, false live, undefined when the Account object must be asked. */
export function cachedRevocation(token: FamilyRef & { keyId: string }, now = Date.now()): boolean | undefined {
  if (fresh(revokedFamilies, familyKey(token), now)) return true;
  if (fresh(liveTokens, tokenKey(token), now)) return false;
  return undefined;
}

/** Marks a family revoked in this isolate for `forMs` (an access token's longest life is enough). */
export function markRevoked(ref: FamilyRef, forMs = 15 * 60_000 + 60_000, now = Date.now()): void {
  remember(revokedFamilies, familyKey(ref), now + forMs);
  for (const key of liveTokens.keys()) if (key.startsWith(`${familyKey(ref)}\u0000`)) liveTokens.delete(key);
}

/** Where the answer comes from when this isolate does not know it. */
export interface RevocationSources {
  /** A shared store that only ever knows "revoked" (Redis at the edge); undefined: it does not know. */
  revokedElsewhere?: () => Promise<true | undefined>;
  /** The Account object, authoritative. */
  account: () => Promise<FamilyStatus>;
}

export interface RevocationAnswer {
  /** The token must be refused. */
  revoked: boolean;
  /** The Account said "revoked" and nothing else knew: tell the shared store. */
  learnedFromAccount: boolean;
}

/**
 * The revocation check of our access tokens, the same at the edge and in the feed
 * shards: this isolate's cache, then the shared store, then the Account object.
 */
export async function checkRevocation(
  token: TokenFamily,
  sources: RevocationSources,
  cacheMs: number,
  now = Date.now(),
): Promise<RevocationAnswer> {
  const cached = cachedRevocation(token, now);
  if (cached === true) return { revoked: true, learnedFromAccount: false };
  if (sources.revokedElsewhere && (await sources.revokedElsewhere())) {
    remember(revokedFamilies, familyKey(token), token.expiresAt + AFTER_EXPIRY_MS);
    return { revoked: true, learnedFromAccount: false };
  }
  if (cached === false) return { revoked: false, learnedFromAccount: false };
  const status = await sources.account();
  if (status === "revoked") {
    remember(revokedFamilies, familyKey(token), token.expiresAt + AFTER_EXPIRY_MS);
    return { revoked: true, learnedFromAccount: true };
  }
  // A refused token is not remembered: it says nothing about the family's genuine tokens.
  if (status === "refused") return { revoked: true, learnedFromAccount: false };
  if (cacheMs > 0) remember(liveTokens, tokenKey(token), now + cacheMs);
  return { revoked: false, learnedFromAccount: false };
}

/** Test hook: forget everything. */
export function clearRevocationCache(): void {
  revokedFamilies.clear();
  liveTokens.clear();
}
