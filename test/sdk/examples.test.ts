/**
 * Every script in examples/ runs against the Worker and its objects in workerd
 * (Miniflare, bench/runtime.ts) with a funded trader's API key, exits 0, and
 * leaves the trace it claims: the order it placed, then cancelled, on the
 * account. Scripts whose runtime is missing here (python3 with requests and
 * websockets, jq) fail with the reason; `.ci/run` installs them.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { startServer, stopServer } from "../../bench/runtime.ts";

const run = promisify(execFile);
/** TypeScript examples: Node's type stripping, and the SDK's sources (its `source` export condition). */
const TS = ["--experimental-strip-types", "--no-warnings", "--conditions=source"];
let base: string;
let traders: Trader[];
let next = 0;

beforeAll(async () => {
  const server = await startServer({ runtime: "miniflare", label: "examples" });
  base = server.base;
  await listInstrument(base, SYMBOL);
  traders = await createTraders(base, 6, `ex-${RUN}`);
}, 240_000);

afterAll(() => stopServer());

/** Runs an example as a trader of its own; its stdout. */
async function example(command: string, args: string[], env: Record<string, string> = {}) {
  const trader = traders[next++] as Trader;
  const { stdout } = await run(command, args, {
    env: { ...process.env, P3_API: base, P3_KEY: trader.keyId, P3_SECRET: trader.secret, P3_SYMBOL: SYMBOL, ...env },
    timeout: 60_000,
  });
  return { stdout, trader };
}

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
async function ordersOf(trader: Trader): Promise<any[]> {
  const res = await fetch(`${base}/v1/orders?instrument=${SYMBOL}`, { headers: trader.headers });
  return ((await res.json()) as { orders: unknown[] }).orders;
}

describe("examples/", () => {
  it("curl/first-order.sh places, reads, cancels and signs", async () => {
    const { stdout, trader } = await example("bash", ["examples/curl/first-order.sh"], { P3_PRICE: "90.00" });
    expect(stdout).toContain("done");
    const orders = await ordersOf(trader);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ price: "90.00", status: "cancelled" });
    expect(orders[0].client_order_id).toMatch(/^srv-/);
    expect(stdout).toMatch(/"asset":"USD"/);
  });

  it("sdk/first-order.ts places, reads back and cancels through the SDK", async () => {
    const { stdout, trader } = await example(process.execPath, [...TS, "examples/sdk/first-order.ts"], {
      P3_PRICE: "92.00",
    });
    expect(stdout).toMatch(/read back: new; cancelled: cancelled/);
    const orders = await ordersOf(trader);
    expect(orders.map((o) => [o.price, o.status])).toEqual([["92.00", "cancelled"]]);
    expect(orders[0].client_order_id).toMatch(/^srv-/);
  });

  it("ccxt/first-order.ts places, fetches and cancels through ccxt's unified API", async () => {
    const { stdout, trader } = await example(process.execPath, [...TS, "examples/ccxt/first-order.ts"], {
      P3_PRICE: "93.00",
    });
    expect(stdout).toMatch(/fetched: open; cancelled: canceled/);
    const orders = await ordersOf(trader);
    // ccxt writes prices without trailing zeros ("93"): the same price on the tick grid.
    expect(orders.map((o) => [Number(o.price), o.status])).toEqual([[93, "cancelled"]]);
  });

  it("sdk/market-maker.ts quotes both sides, and its quotes are cancelled when it disconnects", async () => {
    const { stdout, trader } = await example(process.execPath, [...TS, "examples/sdk/market-maker.ts"], {
      P3_RUN_SECONDS: "2",
      P3_MID: "150.00",
      P3_SPREAD_TICKS: "100",
    });
    expect(stdout).toContain("quoting BENCH-USD: bid 149.00 ask 151.00");
    // The venue cancels on disconnect, shortly after the socket closes.
    let orders: { side: string; price: string; status: string }[] = [];
    for (let i = 0; i < 50; i++) {
      orders = await ordersOf(trader);
      if (orders.length === 2 && orders.every((o) => o.status === "cancelled")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(orders.map((o) => [o.side, o.price, o.status]).sort()).toEqual([
      ["buy", "149.00", "cancelled"],
      ["sell", "151.00", "cancelled"],
    ]);
  });

  it("python/first_order.py (requests + websockets) sees its order on the user channel", async () => {
    const { stdout, trader } = await example("/usr/bin/python3", ["examples/python/first_order.py"], {
      P3_PRICE: "91.00",
    });
    expect(stdout).toMatch(/user channel seq \d+: new/);
    expect(stdout).toMatch(/user channel seq \d+: cancelled/);
    expect(stdout).toContain("balances (signed request)");
    const orders = await ordersOf(trader);
    expect(orders.map((o) => [o.price, o.status])).toEqual([["91.00", "cancelled"]]);
  });
});
