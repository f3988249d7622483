/**
 * Per-isolate cache of refresh-family revocation, so an access token costs an
 * Account-object call at most once per family per `AUTH_REVOCATION_CACHE_MS`.
 * A revoked family is remembered until its tokens' expiry (revocation is
 * final); a live one only for the cache time. Families this isolate revokes
 * are known at once; other isolates learn within the cache time.
 */
const MAX_ENTRIES = 10_000;

interface Entry {
  revoked: boolean;
  /** Epoch ms after which the entry is not trusted. */
  until: number;
}

const families = new Map<string, Entry>();

/** Cached status, or undefined when the Account object must be asked. */
export function cachedRevocation(family: string, now = Date.now()): boolean | undefined {
  const entry = families.get(family);
  if (!entry) return undefined;
  if (entry.until <= now) {
    families.delete(family);
    return undefined;
  }
  return entry.revoked;
}

/** Records a status: `until` is how long it may be trusted (ms since epoch). */
export function rememberRevocation(family: string, revoked: boolean, until: number): void {
  if (families.size >= MAX_ENTRIES) {
    // Drop the oldest entry (Map keeps insertion order).
    const oldest = families.keys().next().value;
    if (oldest !== undefined) families.delete(oldest);
  }
  families.delete(family);
  families.set(family, { revoked, until });
}

/** Marks a family revoked in this isolate for `forMs` (an access token's longest life is enough). */
export function markRevoked(family: string, forMs = 15 * 60_000 + 60_000, now = Date.now()): void {
  rememberRevocation(family, true, now + forMs);
}

/** Test hook: forget everything. */
export function clearRevocationCache(): void {
  families.clear();
}
