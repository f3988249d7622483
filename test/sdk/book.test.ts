/**
 * The SDK's book keeping, property-tested with fast-check: a {@link Level2Book} fed
 * random snapshots and contiguous updates equals a reference book kept in integer
 * ticks; an update that does not continue the book is always refused as a gap (and
 * changes nothing); exact decimal comparison agrees with BigInt arithmetic. Then the
 * same through a {@link FeedClient} on a fake socket: a gap is never passed to the
 * consumer and is repaired with `resume_from` = the last seq seen.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareDecimal,
  FeedClient,
  Level2Book,
  type LevelChange,
  type MarketMessage,
  type PriceSize,
  type WebSocketLike,
} from "../../sdk/src/index.ts";

// ── a reference book in integer ticks (price = ticks / 100) ──────────────

const price = (ticks: number): string => `${Math.floor(ticks / 100)}.${String(ticks % 100).padStart(2, "0")}`;

class ReferenceBook {
  seq = -1;
  bids = new Map<number, string>();
  asks = new Map<number, string>();

  snapshot(seq: number, bids: [number, string][], asks: [number, string][]): void {
    this.seq = seq;
    this.bids = new Map(bids);
    this.asks = new Map(asks);
  }

  update(seq: number, changes: [side: "buy" | "sell", ticks: number, size: string][]): void {
    for (const [side, ticks, size] of changes) {
      const m = side === "buy" ? this.bids : this.asks;
      if (/^0(\.0+)?$/.test(size)) m.delete(ticks);
      else m.set(ticks, size);
    }
    this.seq = seq;
  }

  levels(): { bids: PriceSize[]; asks: PriceSize[] } {
    const pairs = (m: Map<number, string>, desc: boolean): PriceSize[] =>
      [...m].sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0])).map(([t, s]) => [price(t), s]);
    return { bids: pairs(this.bids, true), asks: pairs(this.asks, false) };
  }
}

const ticks = fc.integer({ min: 1, max: 2_000_00 });
const size = fc.oneof(
  fc.constantFrom("0", "0.000"),
  fc.integer({ min: 1, max: 10_000 }).map((n) => `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, "0")}`),
);
const levels = fc.array(
  fc.tuple(
    ticks,
    fc.integer({ min: 1, max: 9999 }).map((n) => String(n)),
  ),
  { maxLength: 30 },
);
const change = fc.tuple(fc.constantFrom<"buy" | "sell">("buy", "sell"), ticks, size);

/** A step: a fresh snapshot, or an update of `width` seqs with changes. */
const step = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("snapshot" as const), bids: levels, asks: levels, jump: fc.nat(1000) }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      width: fc.integer({ min: 1, max: 5 }),
      changes: fc.array(change, { maxLength: 12 }),
    }),
  },
);

const dedupe = (l: [number, string][]): [number, string][] => [...new Map(l)];

describe("Level2Book", () => {
  it("equals the reference book after any snapshot and update sequence", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.array(step, { minLength: 1, maxLength: 60 }), (start, steps) => {
        const book = new Level2Book("T-USD");
        const ref = new ReferenceBook();
        let seq = start;
        let snapshotted = false;
        for (const s of steps) {
          if (s.kind === "snapshot") {
            seq += s.jump;
            const bids = dedupe(s.bids);
            const asks = dedupe(s.asks);
            book.applySnapshot({
              seq,
              bids: bids.map(([t, z]) => [price(t), z]),
              asks: asks.map(([t, z]) => [price(t), z]),
            });
            ref.snapshot(seq, bids, asks);
            snapshotted = true;
          } else {
            const update = {
              first_seq: seq + 1,
              seq: seq + s.width,
              changes: s.changes.map(([side, t, z]): LevelChange => [side, price(t), z]),
            };
            const result = book.applyUpdate(update);
            if (!snapshotted) {
              expect(result).toBe("unsynced");
              continue;
            }
            expect(result).toBe("applied");
            seq += s.width;
            ref.update(seq, s.changes);
          }
          expect(book.seq).toBe(ref.seq);
          expect(book.levels()).toEqual({ seq: ref.seq, ...ref.levels() });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("always detects a gap: an update not starting at seq + 1 is refused and changes nothing", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        levels,
        levels,
        fc.array(fc.record({ width: fc.integer({ min: 1, max: 5 }), changes: fc.array(change, { maxLength: 8 }) }), {
          maxLength: 20,
        }),
        // How far off the bad update starts: ahead (missed seqs) or behind but ending past seq (an overlap).
        fc.oneof(fc.integer({ min: 2, max: 1000 }), fc.integer({ min: -50, max: 0 })),
        fc.integer({ min: 1, max: 60 }),
        fc.array(change, { minLength: 1, maxLength: 8 }),
        (start, bids, asks, good, offset, width, badChanges) => {
          const book = new Level2Book("T-USD");
          book.applySnapshot({
            seq: start,
            bids: dedupe(bids).map(([t, z]) => [price(t), z]),
            asks: dedupe(asks).map(([t, z]) => [price(t), z]),
          });
          let seq = start;
          for (const u of good) {
            const r = book.applyUpdate({
              first_seq: seq + 1,
              seq: seq + u.width,
              changes: u.changes.map(([side, t, z]): LevelChange => [side, price(t), z]),
            });
            expect(r).toBe("applied");
            seq += u.width;
          }
          const before = book.levels();
          const first = seq + offset;
          const last = Math.max(first, seq + 1) + width - 1;
          const result = book.applyUpdate({
            first_seq: first,
            seq: last,
            changes: badChanges.map(([side, t, z]): LevelChange => [side, price(t), z]),
          });
          expect(result).toBe("gap");
          expect(book.levels()).toEqual(before);
          // An update that ends at or before the book's seq is a duplicate, also without effect.
          const dup = book.applyUpdate({ first_seq: seq - width + 1, seq, changes: [["buy", "1.00", "5"]] });
          expect(dup).toBe("duplicate");
          expect(book.levels()).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("orders prices by exact decimal value (no floats), whatever their scale", () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 }))
      .map(([units, scale, pad]) => {
        const digits = units.toString().padStart(scale + 1, "0");
        const int = digits.slice(0, digits.length - scale);
        const frac = digits.slice(digits.length - scale) + "0".repeat(scale > 0 ? pad : 0);
        return { text: frac ? `${int}.${frac}` : int, units, scale };
      });
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const s = Math.max(a.scale, b.scale);
        const av = a.units * 10n ** BigInt(s - a.scale);
        const bv = b.units * 10n ** BigInt(s - b.scale);
        expect(Math.sign(compareDecimal(a.text, b.text))).toBe(av < bv ? -1 : av > bv ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
    // Floats would call these equal.
    expect(compareDecimal("9007199254740993.01", "9007199254740993.02")).toBeLessThan(0);
    const book = new Level2Book("T-USD");
    book.applySnapshot({
      seq: 1,
      bids: [
        ["9.5", "1"],
        ["10.25", "1"],
        ["10.3", "2"],
      ],
      asks: [],
    });
    expect(book.bids.map(([p]) => p)).toEqual(["10.3", "10.25", "9.5"]);
    book.applyUpdate({ first_seq: 2, seq: 2, changes: [["buy", "10.30", "0.000"]] });
    expect(book.bids.map(([p]) => p)).toEqual(["10.25", "9.5"]);
  });
});

// ── the same checks through the client, on a fake socket ─────────────────

/** A socket the test drives: frames in with `deliver`, frames out in `sent`. */
class FakeSocket implements WebSocketLike {
  static last: FakeSocket | undefined;
  /** How long the sessions `auth` answers last. */
  static sessionMs = 900_000;
  readyState = 1;
  readonly sent: string[] = [];
  private readonly listeners = new Map<string, ((e: unknown) => void)[]>();

  constructor(_url: string) {
    FakeSocket.last = this;
  }

  send(data: string): void {
    this.sent.push(data);
    // Answer requests at once, as the shard would.
    if (data === "ping") return;
    const req = JSON.parse(data) as { id: number; method: string };
    const result =
      req.method === "auth"
        ? {
            account: "a",
            scopes: ["read"],
            expires_at_ms: Date.now() + FakeSocket.sessionMs,
            cancel_on_disconnect: false,
          }
        : { subscriptions: [] };
    queueMicrotask(() => this.deliver({ id: req.id, result }));
  }

  close(): void {
    this.readyState = 3;
  }

  addEventListener(type: string, listener: (e: unknown) => void): void {
    const list = this.listeners.get(type) ?? [];
    list.push(listener);
    this.listeners.set(type, list);
  }

  deliver(message: unknown): void {
    for (const l of this.listeners.get("message") ?? []) l({ data: JSON.stringify(message) });
  }

  requests(method: string): { id: number; method: string; params: Record<string, unknown> }[] {
    return this.sent
      .filter((t) => t !== "ping")
      .map((t) => JSON.parse(t))
      .filter((r) => r.method === method);
  }
}

const WELCOME = {
  type: "welcome",
  shard: "s0",
  heartbeat_ms: 60_000,
  limits: {
    max_subscriptions: 100,
    messages_per_second: 50,
    orders_per_second: 1000,
    unacknowledged: { soft: 2000, hard: 10000 },
    idle_timeout_ms: 10000,
  },
};

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("FeedClient seq checks (fake socket)", () => {
  it("passes on only contiguous updates; a gap is detected and repaired with resume_from = the last seq", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(100_000),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 2, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 10 }),
        async (start, before, skip, after) => {
          const client = new FeedClient({ url: "ws://fake/v1/ws", WebSocket: FakeSocket });
          const seen: MarketMessage[] = [];
          const gaps: unknown[] = [];
          client.on("level2", (m) => seen.push(m));
          client.on("gap", (g) => gaps.push(g));
          const book = client.book("T-USD");
          await flush();
          const ws = FakeSocket.last as FakeSocket;
          ws.deliver(WELCOME);
          await flush();
          await flush();
          expect(ws.requests("subscribe").map((r) => r.params)).toEqual([
            { channels: ["level2"], instruments: ["T-USD"] },
          ]);
          ws.deliver({
            type: "snapshot",
            channel: "level2",
            instrument: "T-USD",
            seq: start,
            time: 0,
            bids: [],
            asks: [],
          });
          let seq = start;
          const update = (first: number, last: number, n: number) => ({
            type: "update",
            channel: "level2",
            instrument: "T-USD",
            first_seq: first,
            seq: last,
            time: 0,
            changes: [["buy", price(100 + n), String(n)]],
          });
          for (const w of before) {
            ws.deliver(update(seq + 1, seq + w, seq));
            seq += w;
          }
          const lastGood = seq;
          // A gap: the updates after lastGood never came.
          ws.deliver(update(seq + skip, seq + skip + 1, seq));
          ws.deliver(update(seq + skip + 2, seq + skip + 3, seq));
          await flush();
          expect(gaps).toEqual([{ stream: "level2:T-USD", expected: lastGood + 1, got: lastGood + skip }]);
          const resubscribe = ws.requests("subscribe").at(-1)?.params;
          expect(resubscribe).toEqual({
            channels: ["level2"],
            instruments: ["T-USD"],
            resume_from: { "level2:T-USD": lastGood },
          });
          expect(book.seq).toBe(lastGood);
          // The shard replays from lastGood + 1.
          ws.deliver({ type: "resumed", channel: "level2", instrument: "T-USD", from_seq: lastGood + 1 });
          for (const w of after) {
            ws.deliver(update(seq + 1, seq + w, seq));
            seq += w;
          }
          expect(book.seq).toBe(seq);
          // Everything passed on continues the previous message exactly.
          let last = -1;
          for (const m of seen) {
            if (m.type === "update") expect(m.first_seq).toBe(last + 1);
            last = m.seq;
          }
          expect(last).toBe(seq);
          client.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a heartbeat ahead of the last seq is a gap too (the last message was lost)", async () => {
    const client = new FeedClient({ url: "ws://fake/v1/ws", WebSocket: FakeSocket });
    const gaps: unknown[] = [];
    client.on("gap", (g) => gaps.push(g));
    const subscribed = client.subscribe("trades", "T-USD");
    await flush();
    const ws = FakeSocket.last as FakeSocket;
    ws.deliver(WELCOME);
    await subscribed;
    ws.deliver({ type: "snapshot", channel: "trades", instrument: "T-USD", seq: 7, time: 0, trades: [] });
    ws.deliver({ type: "heartbeat", time: 0, seqs: { "trades:T-USD": 7 } });
    expect(gaps).toEqual([]);
    ws.deliver({ type: "heartbeat", time: 0, seqs: { "trades:T-USD": 9 } });
    expect(gaps).toEqual([{ stream: "trades:T-USD", expected: 8, got: 10 }]);
    expect(ws.requests("subscribe").at(-1)?.params).toMatchObject({ resume_from: { "trades:T-USD": 7 } });
    // Each heartbeat was answered with the text frame `ping`.
    expect(ws.sent.filter((t) => t === "ping")).toHaveLength(2);
    client.close();
  });
});

describe("FeedClient late joiners (fake socket)", () => {
  it("an iterator joining a stream past its snapshot starts at a fresh snapshot it asks for", async () => {
    const client = new FeedClient({ url: "ws://fake/v1/ws", WebSocket: FakeSocket });
    const book = client.book("T-USD");
    await flush();
    const ws = FakeSocket.last as FakeSocket;
    ws.deliver(WELCOME);
    await flush();
    await flush();
    const l2 = (type: string, first: number, seq: number, bids: PriceSize[] = []) =>
      type === "snapshot"
        ? { type, channel: "level2", instrument: "T-USD", seq, time: 0, bids, asks: [] }
        : {
            type,
            channel: "level2",
            instrument: "T-USD",
            first_seq: first,
            seq,
            time: 0,
            changes: [["buy", "1.00", String(seq)]],
          };
    ws.deliver(l2("snapshot", 0, 3));
    ws.deliver(l2("update", 4, 4));
    await book.waitFor(4);
    const late = client.stream("level2", "T-USD");
    await flush();
    await flush();
    // A plain subscribe (no resume_from): the server answers with a snapshot for every consumer.
    expect(ws.requests("subscribe").map((r) => r.params)).toEqual([
      { channels: ["level2"], instruments: ["T-USD"] },
      { channels: ["level2"], instruments: ["T-USD"] },
    ]);
    ws.deliver(l2("update", 5, 5));
    ws.deliver(l2("snapshot", 0, 5, [["2.00", "7"]]));
    ws.deliver(l2("update", 6, 6));
    client.close();
    const got: [string, number][] = [];
    for await (const m of late) got.push([m.type, m.seq]);
    expect(got).toEqual([
      ["snapshot", 5],
      ["update", 6],
    ]);
    expect(book.seq).toBe(6);
    expect(book.bids).toEqual([
      ["2.00", "7"],
      ["1.00", "6"],
    ]);
  });
});

describe("FeedClient user channel and liveness (fake socket)", () => {
  it("checks the user channel's seqs: a gap is never passed on, and a fresh snapshot follows", async () => {
    const client = new FeedClient({ url: "ws://fake/v1/ws", WebSocket: FakeSocket, token: "t" });
    const events = client.userEvents();
    const gaps: unknown[] = [];
    client.on("gap", (g) => gaps.push(g));
    await flush();
    const ws = FakeSocket.last as FakeSocket;
    ws.deliver(WELCOME);
    await flush();
    await flush();
    expect(ws.requests("auth").map((r) => r.params)).toEqual([{ token: "t" }]);
    expect(ws.requests("subscribe").map((r) => r.params)).toEqual([{ channels: ["user"] }]);
    const user = (type: string, seq: number) => ({ type, channel: "user", seq, time: 0, balances: [], orders: [] });
    ws.deliver(user("snapshot", 5));
    ws.deliver(user("order", 6));
    ws.deliver(user("fill", 8));
    expect(gaps).toEqual([{ stream: "user", expected: 7, got: 8 }]);
    expect(ws.requests("subscribe")).toHaveLength(2);
    ws.deliver(user("balance", 9)); // before the new snapshot: dropped
    ws.deliver({ type: "resync", channel: "user", reason: "gap" });
    ws.deliver(user("snapshot", 9));
    ws.deliver(user("balance", 10));
    client.close();
    const got: [string, number][] = [];
    for await (const e of events) got.push([e.type, e.seq]);
    expect(got).toEqual([
      ["snapshot", 5],
      ["order", 6],
      ["snapshot", 9],
      ["balance", 10],
    ]);
  });

  it("authenticates again before the session expires when the token function gives a new token", async () => {
    FakeSocket.sessionMs = 1500;
    const tokens = ["first", "first", "second"];
    const client = new FeedClient({
      url: "ws://fake/v1/ws",
      WebSocket: FakeSocket,
      token: () => tokens.shift() ?? "none",
    });
    const connected = client.connect();
    await flush();
    const ws = FakeSocket.last as FakeSocket;
    ws.deliver(WELCOME);
    await connected;
    expect(ws.requests("auth").map((r) => r.params.token)).toEqual(["first"]);
    // A fifth of the lifetime before expiry (at 1.2 s): the same token, so no auth; the next look, halfway to
    // expiry (at least 250 ms later), gets "second" and authenticates with it.
    await new Promise((r) => setTimeout(r, 1700));
    expect(ws.requests("auth").map((r) => r.params.token)).toEqual(["first", "second"]);
    FakeSocket.sessionMs = 900_000;
    client.close();
  });

  it("a token function that fails once: ready without a session, then authenticated on the same socket; close() clears it", async () => {
    let calls = 0;
    const client = new FeedClient({
      url: "ws://fake/v1/ws",
      WebSocket: FakeSocket,
      token: () => {
        calls += 1;
        if (calls === 1) throw new Error("token service down");
        return "late";
      },
    });
    const errors: Error[] = [];
    client.on("error", (e) => errors.push(e));
    const connected = client.connect();
    await flush();
    const ws = FakeSocket.last as FakeSocket;
    ws.deliver(WELCOME);
    await connected;
    expect(client.session).toBeUndefined();
    expect(errors.map((e) => e.message)).toEqual(["token service down"]);
    // The first retry comes within a second (full jitter under 1 s), on the same socket.
    await new Promise((r) => setTimeout(r, 1100));
    expect(FakeSocket.last).toBe(ws);
    expect(ws.requests("auth").map((r) => r.params.token)).toEqual(["late"]);
    expect(client.session?.account).toBe("a");
    client.close();
    expect(client.session).toBeUndefined();
    expect(client.welcome).toBeUndefined();
  });

  it("a socket silent past the heartbeat timeout is dropped; the client reconnects and resumes, never after close()", async () => {
    const client = new FeedClient({
      url: "ws://fake/v1/ws",
      WebSocket: FakeSocket,
      heartbeatTimeoutMs: 40,
      reconnect: { baseMs: 5, maxMs: 10 },
    });
    const closes: { code: number; reconnect: boolean }[] = [];
    client.on("close", (c) => closes.push(c));
    const subscribed = client.subscribe("level2", "T-USD");
    await flush();
    const first = FakeSocket.last as FakeSocket;
    first.deliver(WELCOME);
    await subscribed;
    first.deliver({ type: "snapshot", channel: "level2", instrument: "T-USD", seq: 41, time: 0, bids: [], asks: [] });
    // Frames keep the socket alive …
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      first.deliver({ type: "heartbeat", time: 0, seqs: { "level2:T-USD": 41 } });
    }
    expect(FakeSocket.last).toBe(first);
    expect(closes).toEqual([]);
    // … silence does not.
    await new Promise((r) => setTimeout(r, 120));
    expect(closes).toMatchObject([{ code: 1006, reconnect: true }]);
    const second = FakeSocket.last as FakeSocket;
    expect(second).not.toBe(first);
    expect(first.readyState).toBe(3);
    second.deliver(WELCOME);
    await flush();
    await flush();
    expect(second.requests("subscribe").map((r) => r.params)).toEqual([
      { channels: ["level2"], instruments: ["T-USD"], resume_from: { "level2:T-USD": 41 } },
    ]);
    expect(client.connections).toBe(2);
    client.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(FakeSocket.last).toBe(second);
    expect(client.connections).toBe(2);
  });
});
