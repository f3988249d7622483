/**
 * The server-streaming RPCs: each opens its stream operation (operations/streams.ts,
 * a bridge socket to a feed shard) and shapes every message of the feed into the
 * RPC's response, field for field (docs/grpc.md#streams-sequences-and-resume):
 * snapshots, updates with `first_seq..seq`, `resumed`, `resync`, heartbeats with
 * the stream's last seq; the private stream's orders, fills and balances.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { PublicChannel } from "../../../shared/feed/messages.ts";
import { MarketDataService } from "../../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import { TradingService } from "../../../shared/proto/gen/platform3/v1/trading_pb.ts";
import type { StreamEvent } from "../feed/bridge.ts";
import type { AnyOperation } from "../operations/define.ts";
import { openMarketStream, openUserStream } from "../operations/streams.ts";

type Json = Record<string, unknown>;

/** A server-streaming RPC: the stream operation it opens and how each message is shaped (REST JSON for `restToProto`). */
export interface StreamRpc {
  method: DescMethod;
  op: AnyOperation;
  /** The operation's input from the request as REST JSON. */
  input: (rest: Json) => Json;
  /** The response of one stream message. */
  message: (event: StreamEvent) => Json;
}

/** What every stream carries: `resumed`, `resync`, `heartbeat` (undefined for any other message). */
function control(event: StreamEvent): Json | undefined {
  switch (event.type) {
    case "resumed":
      return { resumed: { from_seq: event.from_seq } };
    case "resync":
      return { resync: { reason: event.reason } };
    case "heartbeat":
      return { heartbeat: { time: event.time, ...(event.seq !== null && { seq: event.seq }) } };
    default:
      return undefined;
  }
}

/** The message without the feed's `type` and `channel`. */
function body(event: StreamEvent): Json {
  const { type: _type, channel: _channel, ...rest } = event as unknown as Json;
  return rest;
}

function bookMessage(event: StreamEvent): Json {
  if (event.type === "snapshot" && "bids" in event) {
    const levels = (side: [string, string][]) => side.map(([price, size]) => ({ price, size }));
    return { snapshot: { ...body(event), bids: levels(event.bids), asks: levels(event.asks) } };
  }
  if (event.type === "update" && "changes" in event) {
    const changes = event.changes.map(([side, price, size]) => ({ side, price, size }));
    return { update: { ...body(event), changes } };
  }
  return control(event) ?? {};
}

function tradesMessage(event: StreamEvent): Json {
  if ((event.type === "snapshot" || event.type === "update") && "trades" in event) return { [event.type]: body(event) };
  return control(event) ?? {};
}

function tickerMessage(event: StreamEvent): Json {
  if ("ticker" in event) {
    const { instrument, time, ticker, first_seq, seq } = event;
    return { ticker: { snapshot: event.type === "snapshot", first_seq, seq, ticker: { ...ticker, instrument, time } } };
  }
  return control(event) ?? {};
}

function candlesMessage(event: StreamEvent): Json {
  if ("candles" in event) return { candles: { ...body(event), snapshot: event.type === "snapshot" } };
  return control(event) ?? {};
}

function userMessage(event: StreamEvent): Json {
  switch (event.type) {
    case "snapshot":
    case "order":
    case "fill":
    case "balance":
      return { [event.type]: body(event) };
    default:
      return control(event) ?? {};
  }
}

const market = (channel: PublicChannel) => (rest: Json) => ({ ...rest, channel });
const m = { market: MarketDataService.method, trading: TradingService.method };

export const STREAM_RPCS: readonly StreamRpc[] = [
  { method: m.market.streamBook, op: openMarketStream, input: market("level2"), message: bookMessage },
  { method: m.market.streamTrades, op: openMarketStream, input: market("trades"), message: tradesMessage },
  { method: m.market.streamTicker, op: openMarketStream, input: market("ticker"), message: tickerMessage },
  { method: m.market.streamCandles, op: openMarketStream, input: market("candles"), message: candlesMessage },
  { method: m.trading.streamUserEvents, op: openUserStream, input: (rest) => rest, message: userMessage },
];
