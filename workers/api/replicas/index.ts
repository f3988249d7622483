/**
 * Public market data from the caller's region: the region's feed relay answers as the book's
 * read replica (durable-objects/feed-relay/replica.ts) for callers outside the book's home
 * region, and for everyone while the home book is unreachable or the instrument is in failover.
 * Callers in the home region, and any request with `Cache-Control: no-cache`, read the book.
 *
 * REST answers say where they came from and how old they are:
 * - `X-Data-Source: book | replica`;
 * - `X-Data-As-Of`: epoch ms at which the answer was last known to be the book's;
 * - `X-Data-Age-Ms`: now minus that (the edge cache recomputes it on a hit);
 * - `X-Data-Stale: true` when the book could not be reached and this is the last state known.
 *
 * `MARKET_DATA_REPLICAS = "false"` turns replicas off (every read goes to the book, as before).
 * A book that fails as unreachable is reported to the registry's failover watch either way.
 */
import type { ReplicaAnswer, ReplicaQuery } from "../../../durable-objects/feed-relay/index.ts";
import { registryStub } from "../../../durable-objects/instrument-registry/index.ts";
import { reportUnreachable } from "../../../durable-objects/runtime/unreachable.ts";
import { relayName } from "../../../shared/geo/placement.ts";
import type { Region } from "../../../shared/geo/regions.ts";
import type { Instrument } from "../../../shared/instruments/schema.ts";
import type { Env } from "../env.ts";
import { feedRegions, servingRegion } from "../feed/regions.ts";
import { withDeadline } from "../objects/failures.ts";
import type { OperationContext } from "../operations/context.ts";
import { problemException } from "../problem.ts";

/** A replica read that takes longer than this is abandoned (the relay is in the caller's region), ms. */
const REPLICA_DEADLINE_MS = 5_000;

export const DATA_HEADERS = {
  source: "x-data-source",
  asOf: "x-data-as-of",
  age: "x-data-age-ms",
  stale: "x-data-stale",
} as const;

export function replicasEnabled(env: Env): boolean {
  return env.MARKET_DATA_REPLICAS !== "false";
}

/**
 * `query` answered from the caller's region's replica or from the book (`fromBook`), as the
 * rules above say; a home book that fails as unreachable (503) is replaced by the replica.
 */
export async function readMarketData<T>(
  ctx: OperationContext,
  instrument: Instrument,
  query: ReplicaQuery,
  fromBook: () => Promise<T>,
): Promise<T> {
  const { env } = ctx;
  const region = callerRegion(ctx);
  const readsHome = /\bno-cache\b/i.test(ctx.http?.req.header("cache-control") ?? "");
  const replicaFirst =
    replicasEnabled(env) && !readsHome && (instrument.status === "failover" || region !== instrument.home_region);
  if (replicaFirst) {
    try {
      return answered(ctx, "replica", await fromReplica(env, region, instrument.symbol, query));
    } catch (err) {
      if (instrument.status === "failover") throw replicaUnavailable(instrument, err);
      // The replica has no state and cannot get it: the book answers, or says why not.
    }
  }
  try {
    const body = await fromBook();
    return answered(ctx, "book", { body, as_of: Date.now(), stale: false });
  } catch (err) {
    noteUnreachable(env, instrument, err);
    if (!isUnavailable(err) || !replicasEnabled(env) || replicaFirst) throw err;
    try {
      return answered(ctx, "replica", await fromReplica(env, region, instrument.symbol, query));
    } catch {
      throw err;
    }
  }
}

function callerRegion(ctx: OperationContext): Region {
  if (ctx.http) return servingRegion(ctx.env, ctx.http.req.raw).region;
  return feedRegions(ctx.env)[0] as Region;
}

/** The relay's answer; its body has the shape of the book's own answer to the same read (replica.ts). */
function fromReplica<T>(env: Env, region: Region, symbol: string, query: ReplicaQuery): Promise<ReplicaAnswer<T>> {
  const name = relayName(region, symbol);
  const relay = env.FEED_RELAY.get(env.FEED_RELAY.idFromName(name), { locationHint: region });
  return withDeadline(
    async () => (await relay.replicaRead(name, query)) as unknown as ReplicaAnswer<T>,
    REPLICA_DEADLINE_MS,
    `feed_relay ${name}`,
  );
}

function answered<T>(ctx: OperationContext, source: "book" | "replica", answer: ReplicaAnswer<T>): T {
  const c = ctx.http;
  if (c) {
    c.header(DATA_HEADERS.source, source);
    c.header(DATA_HEADERS.asOf, String(answer.as_of));
    c.header(DATA_HEADERS.age, String(Math.max(0, Date.now() - answer.as_of)));
    c.header(DATA_HEADERS.stale, String(answer.stale));
  }
  return answer.body;
}

/** A read of the home book failed: if as unreachable, the registry's failover watch hears of it. */
export function noteUnreachable(env: Env, instrument: Instrument, err: unknown): void {
  if (isUnavailable(err)) reportUnreachable(() => registryStub(env.INSTRUMENTS), instrument);
}

/** The guarded book stub's 503s: unreachable, past its deadline, or its breaker open. */
function isUnavailable(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: unknown }).status === 503;
}

function replicaUnavailable(instrument: Instrument, err: unknown) {
  return problemException(
    "market_data_unavailable",
    `${instrument.symbol} is in failover and this region's replica has no state to answer from (${String(err)}); retry shortly.`,
    { headers: { "retry-after": "1" }, extensions: { retry_after: 1 } },
  );
}
