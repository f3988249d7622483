/**
 * Public market data from the caller's region: the region's feed relay answers as the book's
 * read replica (durable-objects/feed-relay/replica.ts) for callers outside the book's home
 * region, and for everyone while the home book is unreachable or the instrument is in failover.
 * Callers in the home region, and any request with `Cache-Control: no-cache`, read the book.
 *
 * REST answers say where they came from and how old they are:
 * - `X-Data-Source: book | replica` (`mixed` for an answer of several instruments);
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

/** An answer with where it came from and how old it is. */
export interface MarketDataAnswer<T> {
  body: T;
  source: "book" | "replica";
  as_of: number;
  stale: boolean;
}

/**
 * `query` answered from the caller's region's replica or from the book (`fromBook`), as the
 * rules above say; a home book that fails as unreachable (503) is replaced by the replica.
 * The REST answer gets the X-Data-* headers.
 */
export async function readMarketData<T>(
  ctx: OperationContext,
  instrument: Instrument,
  query: ReplicaQuery,
  fromBook: () => Promise<T>,
): Promise<T> {
  const answer = await marketDataAnswer(ctx, instrument, query, fromBook);
  stamp(ctx, answer);
  return answer.body;
}

/** {@link readMarketData} without the headers: for answers made of several reads (all tickers). */
export async function marketDataAnswer<T>(
  ctx: OperationContext,
  instrument: Instrument,
  query: ReplicaQuery,
  fromBook: () => Promise<T>,
): Promise<MarketDataAnswer<T>> {
  const { env } = ctx;
  const region = callerRegion(ctx);
  const readsHome = /\bno-cache\b/i.test(ctx.http?.req.header("cache-control") ?? "");
  const replicaFirst =
    replicasEnabled(env) && !readsHome && (instrument.status === "failover" || region !== instrument.home_region);
  const replica = async () => ({
    source: "replica" as const,
    ...(await fromReplica<T>(env, region, instrument.symbol, query)),
  });
  if (replicaFirst) {
    try {
      return await replica();
    } catch (err) {
      if (instrument.status === "failover") throw replicaUnavailable(instrument, err);
      // The replica has no state and cannot get it: the book answers, or says why not.
    }
  }
  try {
    return { body: await fromBook(), source: "book", as_of: Date.now(), stale: false };
  } catch (err) {
    noteUnreachable(env, instrument, err);
    if (!isUnavailable(err) || !replicasEnabled(env) || replicaFirst) throw err;
    try {
      return await replica();
    } catch {
      throw err;
    }
  }
}

/** The X-Data-* headers of a REST answer (several reads: the oldest, and stale if any is). */
export function stamp(ctx: OperationContext, ...answers: Omit<MarketDataAnswer<unknown>, "body">[]): void {
  const c = ctx.http;
  if (!c || answers.length === 0) return;
  const sources = new Set(answers.map((a) => a.source));
  const asOf = Math.min(...answers.map((a) => a.as_of));
  c.header(DATA_HEADERS.source, sources.size === 1 ? [...sources][0] : "mixed");
  c.header(DATA_HEADERS.asOf, String(asOf));
  c.header(DATA_HEADERS.age, String(Math.max(0, Date.now() - asOf)));
  c.header(DATA_HEADERS.stale, String(answers.some((a) => a.stale)));
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
