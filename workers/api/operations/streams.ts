/**
 * The streams: one public channel of one instrument (`level2`, `trades`,
 * `ticker`, `candles`), or the caller's private `user` channel. Each opens a
 * bridge socket to a feed shard (feed/bridge.ts), so a Connect server stream
 * and a GraphQL subscription carry the WebSocket feed's sequences, resume and
 * slow-consumer rules unchanged; the result is the stream's messages in the
 * feed's JSON, for the adapter to shape.
 */
import { z } from "zod";
import type { Session } from "../../../durable-objects/feed/contract.ts";
import { PUBLIC_CHANNELS } from "../../../shared/feed/messages.ts";
import type { AuthContext } from "../auth-context.ts";
import { type FeedStream, openFeedStream } from "../feed/bridge.ts";
import { instrumentOr404 } from "../instruments.ts";
import { SymbolParams } from "../openapi/schemas.ts";
import type { OperationContext } from "./context.ts";
import { callerIn, defineOperation } from "./define.ts";

/** How long a stream opened with a signed request may last (a signature has no lifetime of its own), ms. */
export const SIGNED_STREAM_LIFETIME_MS = 60 * 60 * 1000;

const Seq = z.number().int().nonnegative().safe();

export const MarketStreamInput = z
  .object({
    channel: z.enum(PUBLIC_CHANNELS),
    instrument: SymbolParams.shape.symbol,
    /** Replay what followed this seq (level2, trades; state channels answer with a snapshot). */
    resume_from: Seq.optional(),
  })
  .strict();

export const openMarketStream = defineOperation({
  name: "streams.market",
  scope: "public",
  routeClass: "market_data",
  idempotency: "read",
  input: MarketStreamInput,
  run: async (ctx, { channel, instrument, resume_from }): Promise<FeedStream> => {
    await instrumentOr404(ctx.env, instrument);
    return openFeedStream({
      env: ctx.env,
      ip: ctx.ip,
      signal: ctx.signal,
      session: ctx.caller && sessionOf(ctx.caller),
      target: { channel, instrument, resumeFrom: resume_from },
    });
  },
});

export const openUserStream = defineOperation({
  name: "streams.user",
  scope: "read",
  routeClass: "account",
  idempotency: "read",
  input: z.object({}).strict(),
  run: (ctx: OperationContext): Promise<FeedStream> =>
    openFeedStream({
      env: ctx.env,
      ip: ctx.ip,
      signal: ctx.signal,
      session: sessionOf(callerIn(ctx)),
      target: { channel: "user" },
    }),
});

/**
 * The feed session of a verified caller: its account and scopes until its credential
 * expires (a signed request's stream: SIGNED_STREAM_LIFETIME_MS). The operator token has
 * no account to stream, so it opens public streams anonymously.
 */
function sessionOf(caller: AuthContext, now = Date.now()): Session | undefined {
  if (caller.via === "operator_token") return undefined;
  return {
    account: caller.account,
    scopes: [...caller.scopes],
    via: caller.via,
    ...(caller.family !== undefined && { family: caller.family }),
    ...(caller.keyId !== undefined && { key_id: caller.keyId }),
    expires_at: caller.expiresAt ?? now + SIGNED_STREAM_LIFETIME_MS,
  };
}
