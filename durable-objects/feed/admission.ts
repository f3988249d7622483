/**
 * Who may take one of a shard's socket slots.
 *
 * - **Per client address** (`FEED_MAX_SOCKETS_PER_IP`; IPv6 by its /64; no trusted address
 *   counts as `unknown`): the edge sends an address's upgrades to its home shard first
 *   (`homeShard`, a hash of the address), so while that shard has room all the address's
 *   sockets are there and are counted there, without a call to anything. Only when the
 *   home shard is full does an upgrade move on to the next shard, and the edge then tells
 *   it how many sockets the address holds on the shards it passed (`ADDRESS_SOCKETS_HEADER`),
 *   so those count too. The count is checked first: an address at its cap is refused (429),
 *   not sent on to a shard where it holds nothing.
 * - **Per shard** (`FEED_MAX_SOCKETS_PER_SHARD`): full is 503, and the edge tries the next.
 * - **Headroom for authenticated sockets**: unauthenticated sockets may fill at most
 *   `FEED_UNAUTHENTICATED_SHARE` of the shard (`maxUnauthenticated`); the rest is kept
 *   for sockets with a session. An upgrade that authenticates (`Authorization: Bearer`)
 *   may take any free slot; an anonymous one only while the anonymous share has room (else
 *   503). A socket that authenticates later (`auth`) leaves the share and frees its place.
 *
 * Accounts have their own cap, across shards, kept by their Account object (account-sockets.ts).
 */
import type { ErrorCode } from "../../shared/errors/codes.ts";
import { ADDRESS_SOCKETS_HEADER, addressGroup } from "../../shared/feed/address.ts";
import type { FeedLimits } from "../../shared/feed/limits.ts";

/** Seconds a refused client is told to wait: sockets free up as others close. */
const RETRY_AFTER_S = 5;

/** Why an upgrade is refused; the edge turns 401 and 429 into problems and tries the next shard on 503. */
export interface Refusal {
  status: 401 | 429 | 503;
  code: ErrorCode;
  detail: string;
  /** Extra problem members (`reason`). */
  extensions?: Record<string, unknown>;
}

/** The slots of one shard: each socket's address group, and how many have no session. */
export class Occupancy<Key> {
  private readonly members = new Map<Key, { group: string; authenticated: boolean }>();
  private readonly groups = new Map<string, number>();
  private anonymous = 0;

  get total(): number {
    return this.members.size;
  }

  get unauthenticated(): number {
    return this.anonymous;
  }

  /** Sockets of an address group here. */
  fromGroup(group: string): number {
    return this.groups.get(group) ?? 0;
  }

  add(key: Key, ip: string | undefined, authenticated: boolean): void {
    if (this.members.has(key)) return;
    const group = addressGroup(ip);
    this.members.set(key, { group, authenticated });
    this.groups.set(group, this.fromGroup(group) + 1);
    if (!authenticated) this.anonymous++;
  }

  /** The socket has a session now: it leaves the unauthenticated share. */
  authenticated(key: Key): void {
    const member = this.members.get(key);
    if (!member || member.authenticated) return;
    member.authenticated = true;
    this.anonymous--;
  }

  remove(key: Key): void {
    const member = this.members.get(key);
    if (!member) return;
    this.members.delete(key);
    const left = this.fromGroup(member.group) - 1;
    if (left > 0) this.groups.set(member.group, left);
    else this.groups.delete(member.group);
    if (!member.authenticated) this.anonymous--;
  }
}

/** An upgrade asking for a slot. */
export interface Upgrade {
  ip: string | undefined;
  /** Sockets its address holds on the shards the edge tried before this one. */
  elsewhere: number;
  authenticated: boolean;
}

/** Why `upgrade` may not have a slot here, or undefined when it may. */
export function refusal<Key>(occupancy: Occupancy<Key>, limits: FeedLimits, upgrade: Upgrade): Refusal | undefined {
  const group = addressGroup(upgrade.ip);
  const held = occupancy.fromGroup(group) + upgrade.elsewhere;
  if (held >= limits.maxSocketsPerIp) {
    return {
      status: 429,
      code: "feed_ip_limit",
      detail: `Your address holds ${held} feed sockets, the most one address may (FEED_MAX_SOCKETS_PER_IP = ${limits.maxSocketsPerIp}): close some, or subscribe to more streams on one socket.`,
    };
  }
  if (occupancy.total >= limits.maxSockets) {
    return { status: 503, code: "feed_capacity", detail: `This shard holds ${occupancy.total} sockets, its limit.` };
  }
  if (!upgrade.authenticated && occupancy.unauthenticated >= limits.maxUnauthenticated) {
    return {
      status: 503,
      code: "feed_capacity",
      detail: `This shard holds ${occupancy.unauthenticated} unauthenticated sockets, their share; the rest is kept for upgrades with Authorization: Bearer <access token>.`,
    };
  }
  return undefined;
}

/**
 * The shard's answer to a refused upgrade: JSON `{code, detail, …}` (the edge makes it a
 * problem), `Retry-After`, and on a 503 the sockets the address holds here.
 */
export function refusalResponse<Key>(refused: Refusal, occupancy: Occupancy<Key>, ip: string | undefined): Response {
  const headers = new Headers({ "content-type": "application/json", "retry-after": String(RETRY_AFTER_S) });
  if (refused.status === 503) headers.set(ADDRESS_SOCKETS_HEADER, String(occupancy.fromGroup(addressGroup(ip))));
  const body = { code: refused.code, detail: refused.detail, ...refused.extensions };
  return new Response(JSON.stringify(body), { status: refused.status, headers });
}

/** The sockets the edge says the upgrade's address holds on shards tried before (0 if absent or malformed). */
export function heldElsewhere(request: Request): number {
  const n = Number(request.headers.get(ADDRESS_SOCKETS_HEADER) ?? "0");
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
