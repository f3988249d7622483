/**
 * Handing a WebSocket upgrade to a feed shard of the client's region (regions.ts):
 * the client address's home shard there first (`feed-<region>-<hash of the address>`,
 * so one address's sockets sit together and are counted there:
 * durable-objects/feed/admission.ts), then the next one of the region,
 * whenever a shard is full (503) or fails to answer at all (an infrastructure error:
 * a broken shard costs its clients a hop, not their connection). Used by `GET /v1/ws` for clients and by the
 * stream bridge (bridge.ts) for the edge's own sockets.
 */

import { EDGE_SESSION_HEADER, type Session } from "../../../durable-objects/feed/contract.ts";
import { SHARD_HEADER } from "../../../durable-objects/feed/index.ts";
import { CLIENT_IP_HEADER } from "../../../shared/auth/client-address.ts";
import { isErrorCode } from "../../../shared/errors/codes.ts";
import { ADDRESS_SOCKETS_HEADER, addressGroup, homeShard } from "../../../shared/feed/address.ts";
import { shardName } from "../../../shared/geo/placement.ts";
import type { Env } from "../env.ts";
import { problemResponse } from "../problem.ts";
import { servingRegion, shardsPerRegion } from "./regions.ts";

/**
 * Forwards the upgrade to the shards in turn until one accepts (101) or refuses the
 * client (401, 429: answered as a problem); undefined when all of them are full or failing. Each
 * shard passed tells how many sockets the address holds there, and the next is told
 * the sum, so those count too. `session` is the identity the edge verified (bridge
 * sockets only): a client's own upgrade never carries one, whatever headers it sent.
 */
export async function connectToShard(
  env: Env,
  request: Request,
  ip: string | undefined,
  session?: Session,
): Promise<Response | undefined> {
  const shards = shardsPerRegion(env);
  const { region } = servingRegion(env, request);
  const first = homeShard(addressGroup(ip), shards);
  let heldElsewhere = 0;
  for (let k = 0; k < shards; k++) {
    const name = shardName(region, (first + k) % shards);
    const headers = new Headers(request.headers);
    headers.set(SHARD_HEADER, name);
    // The shard trusts these headers, not CF-Connecting-IP (shared/auth/client-address.ts).
    headers.set(CLIENT_IP_HEADER, ip ?? "unknown");
    headers.delete(EDGE_SESSION_HEADER);
    if (session) headers.set(EDGE_SESSION_HEADER, JSON.stringify(session));
    headers.set(ADDRESS_SOCKETS_HEADER, String(heldElsewhere));
    const stub = env.FEED_SHARD.get(env.FEED_SHARD.idFromName(name));
    let res: Response;
    try {
      res = await stub.fetch(request.url, { method: "GET", headers });
    } catch (err) {
      console.error(
        JSON.stringify({ level: "warn", msg: "feed shard failed the upgrade", shard: name, error: String(err) }),
      );
      continue;
    }
    if (res.status === 503) {
      heldElsewhere += Number(res.headers.get(ADDRESS_SOCKETS_HEADER)) || 0;
      continue;
    }
    if (res.status === 401 || res.status === 429) return refused(res, new URL(request.url).pathname);
    return res;
  }
  return undefined;
}

/** A shard's refusal (`{code, detail, …}`, Retry-After) as a problem. */
async function refused(res: Response, instance: string): Promise<Response> {
  const { code, detail, ...extensions } = await res.json<{ code: string; detail: string }>();
  const headers = new Headers();
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter) headers.set("retry-after", retryAfter);
  if (res.status === 401) headers.set("www-authenticate", 'Bearer error="invalid_token"');
  const known = isErrorCode(code) ? code : "internal_error";
  return problemResponse(known, detail, { headers, extensions: { instance, ...extensions } });
}
