/**
 * Property: malformed frames for every method of the feed socket (the ones
 * `protocol.ts` lists), sent over real sockets through the Worker, are each
 * answered with one error reply whose code is a stable one (the feed's or the
 * order desk's), the socket keeps answering afterwards, and no balance, order
 * or book changes. Only limit abuse closes a socket, with 1008.
 *
 * `HOSTILE_RUNS` sets the runs per method (default 15).
 */
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { isOrderMethod } from "../../durable-objects/feed/orders.ts";
import { DESK_ERROR_CODES } from "../../shared/errors/codes.ts";
import { type FeedLimitsEnv, feedLimits } from "../../shared/feed/limits.ts";
import {
  CLOSE_CODES,
  FEED_ERROR_CODES,
  METHODS,
  type Method,
  parseRequest,
  type RequestId,
  RequestIdSchema,
} from "../../shared/feed/protocol.ts";
import { deposit } from "./account-helpers.ts";
import { bearer, createAccount, JSON_HEADERS, postJson, tokenFor } from "./auth-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";
import { closeAll, errorOf, FeedClient, isReply, type Reply, resultOf, sleep } from "./feed-client.ts";
import { hostileRuns, hostileTokens } from "./hostile-helpers.ts";

const RUNS = hostileRuns(15);
/** Frames are paced under the socket's request budget (two per run, a hostile one and a ping): about 20 runs a second. */
const TIMEOUT = 10_000 + RUNS * 300;
const BASE = "http://platform3.test";
const SYMBOL = "HWS-USD";
const LIMITS = feedLimits(env as FeedLimitsEnv);

const STABLE_CODES = new Set<string>([...FEED_ERROR_CODES, ...DESK_ERROR_CODES]);

// ── frames ───────────────────────────────────────────────────────────────

/** JSON cannot say 1e309 or 2^64 exactly: such values are written into the frame's text as they are. */
const RAW = "\u0001raw:";
const raw = (text: string) => `${RAW}${text}\u0001`;
const frameText = (value: unknown) =>
  JSON.stringify(value).replace(/"\\u0001raw:([^"\\]*)\\u0001"/g, (_m, text: string) => text);

/** Numbers no field accepts: beyond a double, beyond 2^53 (as ids), beyond 2^64. */
const hugeNumber = fc
  .constantFrom(
    "1e309",
    "-1e309",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890123456789012345678901234567890",
    "9007199254740993",
  )
  .map(raw);

/** Decimal strings the wire format refuses: signs, exponents, too many digits, other numerals. */
const badDecimal = fc.constantFrom(
  "-1",
  "-0.01",
  "1e3",
  "1E-2",
  "0x10",
  "NaN",
  "Infinity",
  "1.",
  ".5",
  "+1",
  "9".repeat(31),
  `0.${"0".repeat(18)}1`,
);

/** Strings no field accepts as an id, a symbol or a decimal (each has a character none allows, or none). */
const weirdString = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "1,5",
    "1 000",
    "١٢٣",
    "１２３",
    "BTC\u2010USD",
    "ＢＴＣ-ＵＳＤ",
    "🙂-USD",
    "HWS-USD\u0000",
    "HWS-USD\n",
    "\u202eDSU-SWH",
    "a".repeat(65),
    "\ud800",
    "'; DROP TABLE orders; --",
    "../../admin",
  ),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).map((s) => `${s}🙂`),
  fc.string({ unit: "binary", maxLength: 12 }).map((s) => `\u0007${s}`),
);

/** Any value of the wrong type for the field it lands in, or a string none accepts (booleans apart: see `wrongType`). */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  hugeNumber,
  weirdString,
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 2 }),
);

/** A change that makes valid params invalid, whatever else changed. */
type Mutation = (params: Record<string, unknown>) => Record<string, unknown>;

const setField = (field: string, value: fc.Arbitrary<unknown>) =>
  value.map(
    (v): Mutation =>
      (p) => ({ ...p, [field]: v }),
  );
const dropField = (field: string): Mutation => {
  return (p) => {
    const { [field]: _gone, ...rest } = p;
    return rest;
  };
};
/** An unknown field (a computed `__proto__` key is an own property, as `JSON.parse` makes it). */
const extraField = fc
  .tuple(fc.constantFrom("account", "account_id", "user", "admin", "extra", "__proto__", "constructor", "🙂"), junk)
  .map(
    ([key, v]): Mutation =>
      (p) => ({ [key]: v, ...p }),
  );

/**
 * Params built from `valid` with one to three mutations (each leaves them invalid, whatever the
 * others do), or not an object at all; `absent` adds null and no params (for methods where that is invalid).
 */
function hostileParams(
  valid: Record<string, unknown>,
  mutations: fc.Arbitrary<Mutation>,
  absent = true,
): fc.Arbitrary<unknown> {
  const mutated = fc
    .array(fc.oneof({ weight: 3, arbitrary: mutations }, { weight: 1, arbitrary: extraField }), {
      minLength: 1,
      maxLength: 3,
    })
    .map((ms) => ms.reduce((p, m) => m(p), valid));
  const notObject = fc
    .oneof(junk, fc.constant(undefined))
    .filter((v) => (v === null || v === undefined ? absent : typeof v !== "object" || Array.isArray(v)));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: notObject });
}

let idCounter = 0;
const requestId = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 31 }),
  fc.string({ minLength: 1, maxLength: 12 }).map((s) => `h${++idCounter}${s}`),
);

/** One request frame with `params`, and whether a result (not an error) is an acceptable answer. */
interface Frame {
  data: string | Uint8Array;
  /** The method ignores bad params (ping, list) or the request cannot change anything. */
  mayPass?: boolean;
}

const request = (method: string, params: fc.Arbitrary<unknown>, mayPass = false): fc.Arbitrary<Frame> =>
  fc.tuple(requestId, params).map(([id, p]) => ({
    data: frameText(p === undefined ? { id, method } : { id, method, params: p }),
    mayPass,
  }));

// ── the world the frames must not change ─────────────────────────────────

interface Party {
  account: string;
  token: string;
  refresh: string;
  /** Its resting buy: the target of foreign cancels and amends. */
  orderId: string;
  clientOrderId: string;
}

let a: Party;
let b: Party;

async function party(name: string, price: string): Promise<Party> {
  const created = await createAccount(["read", "trade"]);
  await deposit(created.account, { USD: "1000", HWS: "10" });
  const tokens = await tokenFor(created.keyId, created.secret);
  const clientOrderId = `${name}-rest`;
  const placed = await accountStub(env.ACCOUNT, created.account).placeOrder(created.account, {
    client_order_id: clientOrderId,
    instrument: SYMBOL,
    side: "buy",
    type: "limit",
    price,
    size: "1",
  });
  if (!placed.ok || !("order" in placed)) throw new Error(`resting order refused: ${JSON.stringify(placed)}`);
  return {
    account: created.account,
    token: tokens.access_token,
    refresh: tokens.refresh_token,
    orderId: placed.order.order_id,
    clientOrderId,
  };
}

/** Balances, orders (open and done) of both accounts and the L3 book, read over HTTP. */
async function state(): Promise<unknown> {
  const read = async (path: string, token?: string) => {
    const headers = { "cache-control": "no-cache", ...(token ? bearer(token) : {}) };
    const res = await exports.default.fetch(`${BASE}${path}`, { headers });
    expect(res.status, path).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    delete body.time;
    return body;
  };
  const of = async (p: Party) => ({
    balances: await read("/v1/accounts/me/balances", p.token),
    orders: await read("/v1/orders?limit=1000", p.token),
  });
  return { a: await of(a), b: await of(b), book: await read(`/v1/instruments/${SYMBOL}/book?level=3&depth=1000`) };
}

// ── driving a socket ─────────────────────────────────────────────────────

/** The id the shard must echo: the frame's own if it is a JSON object with a valid id, else null. */
function expectedId(data: string | Uint8Array): RequestId | null {
  if (typeof data !== "string") return null;
  if (new TextEncoder().encode(data).byteLength > LIMITS.maxFrameBytes) return null;
  try {
    const id = RequestIdSchema.safeParse((JSON.parse(data) as { id?: unknown } | null)?.id);
    return id.success ? id.data : null;
  } catch {
    return null;
  }
}

/** A socket under test: paces the frames its message budget counts, and counts the replies it expects. */
class Probe {
  readonly client: FeedClient;
  private sent: number[] = [];
  private replies = 0;
  private probes = 0;

  constructor(client: FeedClient) {
    this.client = client;
  }

  /** Stays under the per-second request budget (order requests have their own, larger one). */
  private async pace(data: string | Uint8Array): Promise<void> {
    const parsed = typeof data === "string" && data.length <= LIMITS.maxFrameBytes ? parseRequest(data) : undefined;
    if (parsed?.ok && isOrderMethod(parsed.method)) return;
    const budget = LIMITS.messagesPerSecond - 10;
    const now = Date.now();
    this.sent = this.sent.filter((t) => now - t < 1100);
    if (this.sent.length >= budget) await sleep(1100 - (now - (this.sent[0] ?? now)));
    this.sent.push(Date.now());
  }

  /** Sends one frame; its one reply. */
  async send(data: string | Uint8Array): Promise<Reply> {
    await this.pace(data);
    this.client.send(data);
    this.replies++;
    return this.client.next(isReply, 5000, "a reply");
  }

  /** Sends a hostile frame and checks its answer, then that the socket still answers a ping. */
  async hostile(frame: Frame): Promise<Reply> {
    const what = typeof frame.data === "string" ? frame.data.slice(0, 300) : `binary ${frame.data.byteLength} B`;
    const reply = await this.send(frame.data);
    expect(reply.id, what).toEqual(expectedId(frame.data));
    if (reply.error) {
      expect(STABLE_CODES.has(errorOf(reply).code), `${what} → ${JSON.stringify(reply)}`).toBe(true);
      expect(errorOf(reply).code, what).not.toBe("rate_limited");
      expect(typeof reply.error.message, what).toBe("string");
    } else {
      expect(frame.mayPass, `${what} was accepted: ${JSON.stringify(reply)}`).toBe(true);
    }
    await this.ping();
    return reply;
  }

  async ping(): Promise<void> {
    const id = `probe-${++this.probes}`;
    const reply = await this.send(JSON.stringify({ id, method: "ping" }));
    expect(reply, "the socket answers after a hostile frame").toMatchObject({ id, result: { pong: true } });
    expect(this.client.isClosed).toBe(false);
  }

  /** Every reply received was one we waited for: no frame was answered twice. */
  expectNoStrayReplies(): void {
    expect(this.client.received.filter(isReply)).toHaveLength(this.replies);
  }
}

let trading: Probe;
let anonymous: Probe;
let baseline: unknown;

beforeAll(async () => {
  await listInstrument(testInstrument(SYMBOL));
  a = await party("a", "10.00");
  b = await party("b", "11.00");
  const client = await FeedClient.connect();
  trading = new Probe(client);
  expect(await trading.send(JSON.stringify({ id: "auth", method: "auth", params: { token: a.token } }))).toMatchObject({
    result: { account: a.account },
  });
  // Its private channel would show any order or balance change.
  const sub = { id: "sub", method: "subscribe", params: { channels: ["user", "level2"], instruments: [SYMBOL] } };
  expect(resultOf(await trading.send(JSON.stringify(sub)))).toMatchObject({
    subscriptions: ["level2:HWS-USD", "user"],
  });
  await client.next((m) => m.type === "snapshot" && m.channel === "user");
  anonymous = new Probe(await FeedClient.connect());
  baseline = await state();
});

afterAll(async () => {
  // Closing the sockets cancels nothing (no cancel-on-disconnect was ever accepted).
  await closeAll();
  expect(await state()).toEqual(baseline);
});

/**
 * Runs the property (each frame answered by one stable error, or by a result where `mayPass`;
 * `verify` checks more), then checks that the socket still answers, the trading socket is
 * still A's, and nothing changed.
 */
async function check(
  probe: Probe,
  frames: fc.Arbitrary<Frame>,
  options: { runs?: number; verify?: (reply: Reply, frame: Frame) => void } = {},
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(frames, async (frame) => {
      const reply = await probe.hostile(frame);
      options.verify?.(reply, frame);
    }),
    { numRuns: options.runs ?? RUNS },
  );
  probe.expectNoStrayReplies();
  const session = await trading.send(
    JSON.stringify({ id: "still-a", method: "order.cancel", params: { client_order_id: "never-placed" } }),
  );
  expect(session.error?.code, "the trading socket keeps its session").toBe("order_not_found");
  expect(await state()).toEqual(baseline);
  const changes = trading.client.received.filter(
    (m) => m.type === "order" || m.type === "fill" || m.type === "balance",
  );
  expect(changes, "the user channel saw no change").toEqual([]);
}

// ── the properties ───────────────────────────────────────────────────────

const nonJson = fc.oneof(
  fc.string({ maxLength: 40 }).filter((s) => s !== "ping"),
  fc.string({ unit: "binary", maxLength: 40 }).filter((s) => s !== "ping"),
  fc.constantFrom(
    "",
    " ",
    "{",
    "[",
    "nul",
    "NaN",
    "Infinity",
    "{'id':1}",
    '{"id":1,',
    "{}garbage",
    "\u0000",
    "PING",
    "pong",
    "ping ",
  ),
);

const badEnvelope = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => frameText(v)),
  fc.record({ id: fc.oneof(junk, requestId), method: junk }).map(frameText),
  fc
    .record({
      // Never a valid id: with one, a bare `order.cancel_all` would be a real request.
      id: fc.oneof(
        hugeNumber,
        fc.double().filter((d) => !Number.isInteger(d)),
        fc.constantFrom(0.5, -1.5, "", "x".repeat(65), true, null, []),
      ),
      method: fc.constantFrom(...METHODS),
    })
    .map(frameText),
  fc
    .record({
      id: requestId,
      method: fc.oneof(
        weirdString,
        fc.constantFrom(
          "Ping",
          "order.PLACE",
          " ping",
          "ping\u0000",
          "__proto__",
          "constructor",
          "toString",
          "order.",
          "order.place.batch",
          "m".repeat(65),
        ),
      ),
    })
    .map(frameText),
  fc.record({ method: fc.constantFrom(...METHODS), params: junk }).map(frameText),
);

const symbols = fc.oneof(weirdString, fc.constantFrom("ZZZQ-USD", "hws-usd", "HWS-USD ", "HWS_USD", "A".repeat(33)));
const streamMutations: fc.Arbitrary<Mutation> = fc.oneof(
  setField(
    "channels",
    fc.oneof(
      junk,
      fc.constant([]),
      fc.array(fc.oneof(weirdString, fc.constantFrom("level3", "LEVEL2", "user ", "orders", "level2:HWS-USD")), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.constant(Array(17).fill("level2")),
    ),
  ),
  setField(
    "instruments",
    fc.oneof(
      junk,
      fc.constant([]),
      fc.array(symbols, { minLength: 1, maxLength: 3 }),
      fc.constant(Array(101).fill(SYMBOL)),
    ),
  ),
  setField(
    "resume_from",
    fc.oneof(
      hugeNumber,
      fc.constantFrom(-1, 1.5, "7", true, { [SYMBOL]: -1 }, { "level2:HWS-USD": 1.5 }, { [SYMBOL]: raw("1e309") }),
    ),
  ),
  fc.constant(dropField("channels")),
  fc.constant((p: Record<string, unknown>) => dropField("instruments")({ ...p, channels: ["trades"] })),
);
const streams = { channels: ["level2", "trades"], instruments: [SYMBOL] };

const newOrder = () => ({
  client_order_id: `hx-${++idCounter}`,
  instrument: SYMBOL,
  side: "buy",
  type: "limit",
  price: "10.00",
  size: "1",
});
const decimals = fc.oneof(badDecimal, junk, fc.boolean());
/** Passes the schema but no sane desk accepts it: zero and negative-looking sizes, prices off the grid, huge values. */
const offGrid = fc.constantFrom(
  { price: "10.001" },
  { price: "10.005" },
  { price: "0" },
  { price: "0.00" },
  { size: "0" },
  { size: "0.000" },
  { size: "1.0001" },
  { size: "0.0001" },
  { size: "1001" },
  { price: "9".repeat(30) },
  { size: "9".repeat(30) },
  { price: `1.${"0".repeat(17)}1` },
  { instrument: "ZZZQ-USD" },
);
const orderMutations: fc.Arbitrary<Mutation> = fc.oneof(
  setField("price", decimals),
  setField("size", decimals),
  setField("instrument", fc.oneof(junk, symbols)),
  setField("client_order_id", fc.oneof(junk, fc.boolean())),
  setField("side", fc.oneof(junk, fc.constantFrom("hold", "BUY", "both", ""))),
  setField("type", fc.oneof(junk, fc.constantFrom("iceberg", "LIMIT", "stop limit"))),
  setField("time_in_force", fc.oneof(junk, fc.constantFrom("day", "GTC", "gtd"))),
  setField("expire_time", fc.oneof(hugeNumber, fc.constantFrom(-1, 0, 1.5, "1700000000000"))),
  setField("post_only", fc.constantFrom("true", 1, null)),
  setField("funds", fc.constantFrom("10.00", "-1", raw("1e309"))),
  setField("stop_price", fc.constantFrom("9.00", "", "1e2")),
  // Not client_order_id: since it became optional (issue 20), an order without one is valid and placed.
  fc.constantFrom("instrument", "side", "type", "price").map(dropField),
);
/** Off-grid orders need a schema-valid rest: each gets its own fresh client_order_id. */
const offGridOrder: fc.Arbitrary<unknown> = offGrid.map((change) => ({ ...newOrder(), ...change }));

const refMutations = (own: () => Record<string, unknown>): fc.Arbitrary<unknown> =>
  hostileParams(
    own(),
    fc.oneof(setField("order_id", junk), setField("client_order_id", junk), fc.constant(dropField("order_id"))),
  );
const amendMutations: fc.Arbitrary<Mutation> = fc.oneof(
  setField("order_id", junk),
  setField("size", decimals),
  setField("price", decimals),
  setField("stop_price", decimals),
  fc.constant((p: Record<string, unknown>) => ({ ...p, client_order_id: "a-rest" })),
  fc.constant((p: Record<string, unknown>) => ({ order_id: p.order_id })),
);

describe("hostile frames on the feed socket", { timeout: TIMEOUT }, () => {
  it("non-JSON text frames are invalid_json", async () => {
    const parses = (text: string) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    await check(
      trading,
      nonJson.map((data) => ({ data })),
      {
        // Random text is sometimes JSON after all ("1", "[]"): that is a frame that is not a request.
        verify: (reply, frame) =>
          expect(errorOf(reply).code).toBe(parses(frame.data as string) ? "invalid_request" : "invalid_json"),
      },
    );
  });

  it("frames that are not requests: wrong types, huge and fractional ids, unknown methods", async () => {
    await check(
      trading,
      badEnvelope.map((data) => ({ data })),
    );
  });

  it("binary frames, of any content and size, are invalid_request", async () => {
    const binary = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.constantFrom(...METHODS).map((method) => new TextEncoder().encode(JSON.stringify({ id: 1, method }))),
      fc
        .integer({ min: LIMITS.maxFrameBytes - 2, max: LIMITS.maxFrameBytes * 4 })
        .map((n) => new Uint8Array(n).fill(0x7b)),
    );
    await check(
      trading,
      binary.map((data) => ({ data })),
    );
  });

  it("oversized text frames are message_too_large, counted in UTF-8 bytes; the limit itself passes", async () => {
    const max = LIMITS.maxFrameBytes;
    /** A ping of exactly `bytes` UTF-8 bytes, padded with `unit`. */
    const padded = (bytes: number, unit: string) => {
      const head = JSON.stringify({ id: "big", method: "ping", params: { pad: "" } });
      const unitBytes = new TextEncoder().encode(unit).byteLength;
      const units = Math.floor((bytes - head.length) / unitBytes);
      const rest = "x".repeat(bytes - head.length - units * unitBytes);
      return head.replace('"pad":""', `"pad":"${unit.repeat(units)}${rest}"`);
    };
    const frames = fc.oneof(
      fc
        .tuple(fc.integer({ min: -3, max: 3 }), fc.constantFrom("x", "é", "€", "🙂"))
        .map(([delta, unit]) => ({ data: padded(max + delta, unit), mayPass: delta <= 0 })),
      fc.integer({ min: max + 1, max: max * 8 }).map((n) => ({ data: "[".repeat(n) })),
      fc
        // Past 1 MiB and past 32 MiB (Cloudflare's own limits on a message): the runtime here delivers them all.
        .constantFrom((1 << 20) + 1, 4 << 20, (32 << 20) + 1)
        .map((n) => ({ data: `{"id":1,"method":"ping","params":"${"x".repeat(n)}"}` })),
    );
    await check(trading, frames);
    for (const delta of [-1, 0, 1]) {
      const data = padded(max + delta, "€");
      expect(new TextEncoder().encode(data).byteLength).toBe(max + delta);
      const reply = await trading.hostile({ data, mayPass: true });
      expect(reply.error?.code ?? "ok").toBe(delta > 0 ? "message_too_large" : "ok");
    }
  });

  it("subscribe and unsubscribe: bad channels, unicode and unknown symbols, bad resume_from, extra fields", async () => {
    for (const method of ["subscribe", "unsubscribe"]) {
      await check(trading, request(method, hostileParams(streams, streamMutations)));
    }
    // The user channel needs a session: an anonymous socket is refused, with or without other channels.
    const user = fc.constantFrom({ channels: ["user"] }, { channels: ["user", "trades"], instruments: [SYMBOL] });
    await check(anonymous, request("subscribe", user), { runs: 3 });
    expect(resultOf(await trading.send(JSON.stringify({ id: "list", method: "list" })))).toMatchObject({
      subscriptions: ["level2:HWS-USD", "user"],
    });
  });

  it("list and ping ignore their params; session.cancel_on_disconnect refuses bad ones", async () => {
    await check(trading, request("list", junk, true));
    await check(trading, request("ping", junk, true));
    const cod = hostileParams(
      { enabled: false },
      setField("enabled", fc.oneof(junk, fc.constantFrom("true", "false", 0, 1))),
    );
    await check(trading, request("session.cancel_on_disconnect", cod));
    const enable = fc.constantFrom({ enabled: true }, { enabled: false });
    await check(anonymous, request("session.cancel_on_disconnect", enable), { runs: 2 });
  });

  it("auth: expired, forged, unsigned, tampered, refresh and foreign tokens, and bad params", async () => {
    const tokens = await hostileTokens(a.token, a.refresh, b.token);
    // A revoked session's access token.
    const revokedParty = await createAccount(["read", "trade"]);
    const revoked = await tokenFor(revokedParty.keyId, revokedParty.secret);
    expect((await postJson("/v1/auth/revoke", { token: revoked.refresh_token }, JSON_HEADERS)).status).toBe(200);
    tokens.push({ name: "revoked", token: revoked.access_token });
    const token = fc.constantFrom(...tokens).map((t) => t.token);
    const params = fc.oneof(
      token.map((t) => ({ token: t })),
      fc.tuple(token, fc.boolean()).map(([t, cod]) => ({ token: t, cancel_on_disconnect: cod })),
      hostileParams(
        { token: a.token },
        fc.oneof(
          setField("token", fc.oneof(junk, fc.constant("x".repeat(8193)))),
          setField("cancel_on_disconnect", fc.constantFrom("yes", 1, null)),
        ),
      ),
    );
    for (const probe of [anonymous, trading]) await check(probe, request("auth", params));
    // Every one of them, on a fresh socket: refused as unauthenticated (a JWT with a reason), never accepted.
    for (const t of tokens) {
      const reply = await anonymous.hostile({
        data: frameText({ id: t.name, method: "auth", params: { token: t.token } }),
      });
      // A token over 8192 characters fails the params schema before anything reads it.
      if (t.token.length > 8192) {
        expect(reply.error?.code, t.name).toBe("invalid_params");
        continue;
      }
      expect(reply.error?.code, t.name).toBe("unauthenticated");
      expect(typeof reply.error?.reason, t.name).toBe("string");
    }
    // Another account's valid token cannot take over an authenticated socket.
    const other = await trading.hostile({ data: frameText({ id: 1, method: "auth", params: { token: b.token } }) });
    expect(other.error?.code).toBe("account_mismatch");
    // And none of it authenticated the anonymous socket.
    const order = await anonymous.hostile({ data: frameText({ id: 2, method: "order.place", params: newOrder() }) });
    expect(order.error?.code).toBe("unauthenticated");
  });

  it("order methods before auth are unauthenticated", async () => {
    const frames = fc.oneof(
      request("order.place", fc.oneof(fc.constant(newOrder()), hostileParams(newOrder(), orderMutations))),
      request("order.cancel", fc.constantFrom({ order_id: b.orderId }, { client_order_id: b.clientOrderId }, {})),
      request("order.amend", fc.constantFrom({ order_id: b.orderId, size: "2" })),
      request("order.cancel_all", fc.constantFrom(undefined, {}, { side: "buy" })),
    );
    await check(anonymous, frames, { verify: (reply) => expect(errorOf(reply).code).toBe("unauthenticated") });
  });

  it("order.place: wrong types, bad symbols and ids, extra fields (an account among them)", async () => {
    await check(trading, request("order.place", hostileParams(newOrder(), orderMutations)));
  });

  it("order.place: zero sizes, prices off the grid, huge values, unknown instruments change nothing", async () => {
    await check(trading, request("order.place", offGridOrder), {
      verify: (reply) => {
        // Refused before the account, as over HTTP: no order recorded, the client_order_id still free.
        expect(["invalid_order", "instrument_not_found"]).toContain(errorOf(reply).code);
        if (errorOf(reply).code === "invalid_order") expect(typeof errorOf(reply).reason).toBe("string");
      },
    });
  });

  it("order.cancel and order.amend: malformed refs and amounts", async () => {
    await check(
      trading,
      request(
        "order.cancel",
        refMutations(() => ({ order_id: a.orderId })),
      ),
    );
    await check(trading, request("order.amend", hostileParams({ order_id: a.orderId, size: "0.5" }, amendMutations)));
    const amendOff = fc.constantFrom(
      { price: "10.001" },
      { size: "0" },
      { size: "0.0001" },
      { size: "9".repeat(30) },
      { price: "0" },
      { price: "9".repeat(30) },
    );
    await check(
      trading,
      request(
        "order.amend",
        amendOff.map((change) => ({ order_id: a.orderId, ...change })),
      ),
    );
  });

  it("another account's orders, by either id, are order_not_found and leak nothing", async () => {
    const foreign = fc.oneof(
      request("order.cancel", fc.constantFrom({ order_id: b.orderId }, { client_order_id: b.clientOrderId })),
      request(
        "order.amend",
        fc.constantFrom(
          { order_id: b.orderId, size: "0.5" },
          { order_id: b.orderId, price: "10.50" },
          { client_order_id: b.clientOrderId, size: "2" },
        ),
      ),
    );
    await check(trading, foreign, {
      verify: (reply) => {
        expect(errorOf(reply).code).toBe("order_not_found");
        expect(JSON.stringify(reply)).not.toContain(b.account);
      },
    });
  });

  it("order.cancel_all: bad filters are invalid_params; an unknown instrument cancels nothing", async () => {
    const filters = hostileParams(
      { instrument: SYMBOL, side: "buy" },
      fc.oneof(
        setField("instrument", fc.oneof(junk, symbols)),
        setField("side", fc.oneof(junk, fc.constantFrom("both", "BUY"))),
      ),
      false,
    );
    await check(trading, request("order.cancel_all", filters, true), {
      verify: (reply) => {
        if (!reply.error) expect(reply.result).toMatchObject({ cancelled: [] });
      },
    });
  });

  it("covers every method the protocol lists", () => {
    const covered = [
      "subscribe",
      "unsubscribe",
      "list",
      "ping",
      "auth",
      "session.cancel_on_disconnect",
      "order.place",
      "order.cancel",
      "order.amend",
      "order.cancel_all",
    ] satisfies Method[];
    expect([...covered].sort()).toEqual([...METHODS].sort());
  });
});

describe("limit abuse closes the socket with 1008", () => {
  it("a burst past the request budget: rate_limited replies, the fifth violation closes", async () => {
    const client = await FeedClient.connect();
    for (let i = 0; i < LIMITS.messagesPerSecond + LIMITS.maxViolations; i++) {
      client.send(frameText({ id: i, method: "ping", params: raw("1e309") }));
    }
    const closed = await Promise.race([client.closed, sleep(3000).then(() => undefined)]);
    expect(closed?.code).toBe(CLOSE_CODES.policy);
    const limited = client.received.filter(isReply).filter((m) => m.error?.code === "rate_limited");
    expect(limited).toHaveLength(LIMITS.maxViolations);
    expect(client.received.filter((m) => isReply(m) && !STABLE_CODES.has(m.error?.code ?? "rate_limited"))).toEqual([]);
  });

  it("too many subscriptions, five times: too_many_subscriptions, then closed", async () => {
    const client = await FeedClient.connect();
    const all = { channels: ["level2", "trades", "ticker", "candles"], instruments: [SYMBOL, "BTC-USD", "EUR-USD"] };
    for (let i = 0; i < LIMITS.maxViolations; i++) {
      client.send(JSON.stringify({ id: i, method: "subscribe", params: all }));
    }
    const closed = await Promise.race([client.closed, sleep(3000).then(() => undefined)]);
    expect(closed?.code).toBe(CLOSE_CODES.policy);
    expect(client.received.filter(isReply).filter((m) => m.error?.code === "too_many_subscriptions")).toHaveLength(
      LIMITS.maxViolations,
    );
  });
});
