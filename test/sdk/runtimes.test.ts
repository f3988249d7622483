/**
 * The SDK outside Node: the package claims browsers and Workers as well (docs/clients/typescript.md).
 * Against the Worker and its objects in workerd (Miniflare, bench/runtime.ts) on a loopback port:
 * - the SDK's entry (sdk/src/index.ts) bundled for the browser with esbuild pulls in no Node
 *   built-in, and nothing but its own sources and openapi-fetch;
 * - in Chromium (Debian's, driven by playwright-core), on a page served on the API's own origin
 *   (`page.route` answers `/__sdk-test/…`, so no CORS is involved), the bundle runs
 *   test/sdk/runtimes/scenario.ts: an `api_key` client places, reads back and cancels a resting
 *   order, an `hmac` client (Web Crypto) reads the balances, and a `FeedClient` on the browser's
 *   own WebSocket keeps the level-2 book and sees the order come and go;
 * - in workerd (Miniflare, wrangler.toml's compatibility date), the same bundle runs the same
 *   scenario from a Worker's fetch handler (test/sdk/runtimes/worker.ts) calling the API on its
 *   loopback origin: with workerd's `new WebSocket(url)`, and with an adapter over
 *   `fetch(url, { headers: { upgrade: "websocket" } })` injected through the `WebSocket` option.
 * Every answer is checked against REST answers fetched from Node.
 *
 * The browser part needs /usr/bin/chromium (`apt-get install chromium`): without it that part is
 * skipped locally, and fails in CI (`CI` set).
 */
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTraders, listInstrument, RUN, SYMBOL, type Trader } from "../../bench/orders/setup.ts";
import { CLIENT_HEADERS, startServer, stopServer } from "../../bench/runtime.ts";
import { createRestClient } from "../../sdk/src/index.ts";
import type { ScenarioParams, ScenarioResult } from "./runtimes/scenario.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const SDK_ENTRY = join(ROOT, "sdk", "src", "index.ts");
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

interface Levels {
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

// ── bundles ──────────────────────────────────────────────────────────────

/** Records every import of a Node built-in (`node:*` or a bare built-in name) and leaves it external. */
function nodeBuiltins(found: string[]): Plugin {
  return {
    name: "node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith("node:") && !builtinModules.includes(args.path)) return undefined;
        found.push(`${args.path} (imported by ${args.importer || "the entry"})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** The SDK's entry stays out of the bundle, as the module `./sdk.js` (the SDK bundle, loaded beside it). */
const sdkAsModule: Plugin = {
  name: "sdk-as-module",
  setup(b) {
    b.onResolve({ filter: /sdk\/src\/index\.ts$/ }, () => ({ path: "./sdk.js", external: true }));
  },
};

interface Bundle {
  js: string;
  builtins: string[];
  inputs: string[];
}

async function bundle(entry: { file: string } | { source: string }, plugins: Plugin[] = []): Promise<Bundle> {
  const builtins: string[] = [];
  const result = await build({
    ...("file" in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: ROOT, loader: "ts" } }),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: ROOT,
    plugins: [...plugins, nodeBuiltins(builtins)],
  });
  return {
    js: result.outputFiles[0]?.text ?? "",
    builtins,
    inputs: Object.keys(result.metafile?.inputs ?? {}),
  };
}

// ── the server, traders and REST from Node ───────────────────────────────

let base: string;
let maker: Trader;
let sdk: Bundle;
let scenarioJs: Bundle;
let workerJs: Bundle;
let traders: Trader[] = [];

beforeAll(async () => {
  [sdk, scenarioJs, workerJs] = await Promise.all([
    bundle({ file: SDK_ENTRY }),
    bundle({ file: join(ROOT, "test/sdk/runtimes/scenario.ts") }, [sdkAsModule]),
    bundle({ file: join(ROOT, "test/sdk/runtimes/worker.ts") }, [sdkAsModule]),
  ]);
  const server = await startServer({ runtime: "miniflare", label: "sdk-runtimes" });
  base = server.base;
  await listInstrument(base, SYMBOL);
  [maker, ...traders] = (await createTraders(base, 4, `sdkrt-${RUN}`)) as [Trader, ...Trader[]];
  // Resting orders on both sides, so the books compared below are not empty.
  const m = createRestClient({ baseUrl: base, headers: maker.headers, auth: { type: "bearer", token: maker.token } });
  for (const [side, price, size] of [
    ["sell", "110.00", "3"],
    ["sell", "111.00", "1"],
    ["buy", "90.00", "2"],
  ] as const) {
    await m.placeOrder({ instrument: SYMBOL, side, type: "limit", price, size });
  }
}, 240_000);

afterAll(() => stopServer());

// biome-ignore lint/suspicious/noExplicitAny: REST answers are read field by field.
async function restJson(path: string, headers: Record<string, string> = { ...CLIENT_HEADERS }): Promise<any> {
  const res = await fetch(`${base}${path}`, { headers });
  expect(res.status, `GET ${path}`).toBe(200);
  return res.json();
}

async function restL2(): Promise<Levels> {
  // Read through the edge's market-data cache (MARKET_DATA_CACHE_MS), which may hold an older seq.
  const l2 = await restJson(`/v1/instruments/${SYMBOL}/book?level=2&depth=1000`, {
    ...CLIENT_HEADERS,
    "cache-control": "no-cache",
  });
  return { seq: l2.seq, bids: l2.bids, asks: l2.asks };
}

let runNo = 0;
function paramsFor(trader: Trader, price: string, size: string): ScenarioParams {
  return {
    base,
    apiKey: trader.keyId,
    apiSecret: trader.secret,
    symbol: SYMBOL,
    price,
    size,
    clientOrderId: `rt-${RUN}-${++runNo}`,
  };
}

/** Checks a scenario's result against what REST tells Node (`before`: REST's L2 just before it ran). */
async function expectAgreesWithRest(r: ScenarioResult, trader: Trader, p: ScenarioParams, before: Levels) {
  // Who each client was: a token session, and requests signed with the key.
  expect(r.tokenMe).toMatchObject({ account_id: trader.account, via: "access_token" });
  expect(r.signedMe).toMatchObject({ account_id: trader.account, via: "signature", api_key_id: trader.keyId });

  // The order: placed and read back resting, then cancelled; REST from Node says the same.
  const id = r.placed.order_id;
  const wanted = { client_order_id: p.clientOrderId, side: "buy", price: p.price, size: p.size };
  expect(r.placed).toMatchObject({ ...wanted, status: "new" });
  expect(r.read).toMatchObject({ ...wanted, order_id: id, status: "new" });
  expect(r.cancelled).toMatchObject({ ...wanted, order_id: id, status: "cancelled" });
  const { order } = await restJson(`/v1/orders/${id}`, trader.headers);
  expect(order).toMatchObject({ ...wanted, order_id: id, status: "cancelled" });
  const { orders } = await restJson(`/v1/orders?instrument=${SYMBOL}`, trader.headers);
  expect(orders.map((o: { order_id: string }) => o.order_id)).toEqual([id]);

  // The feed's book: REST's before, REST's before plus the order's level, REST's after.
  expect(r.bookBefore).toEqual(before);
  const withOrder = [...before.bids, [p.price, p.size]].sort((a, b) => Number(b[0]) - Number(a[0]));
  expect(r.bookWithOrder.bids).toEqual(withOrder);
  expect(r.bookWithOrder.asks).toEqual(before.asks);
  expect(r.bookWithOrder.seq).toBeGreaterThan(before.seq);
  const after = await restL2();
  expect(r.bookAfter).toEqual(after);
  expect(after.seq).toBeGreaterThan(r.bookWithOrder.seq);
  expect(after.bids).toEqual(before.bids);
  expect(r.connections).toBe(1);

  // Signed balances: a USD hold while the order rested, none after; equal to REST's from Node.
  const usd = (b: { balances: { asset: string; hold: string }[] }) => b.balances.find((x) => x.asset === "USD");
  expect(Number(usd(r.balancesOpen)?.hold)).toBeGreaterThanOrEqual(Number(p.price) * Number(p.size));
  expect(Number(usd(r.balancesAfter)?.hold)).toBe(0);
  expect(r.balancesAfter).toEqual(await restJson("/v1/accounts/me/balances", trader.headers));
}

// ── 1. the bundle ────────────────────────────────────────────────────────

describe("the SDK bundled for the browser (esbuild, platform browser)", () => {
  it("pulls in no Node built-in, and nothing but its sources and openapi-fetch", async () => {
    expect(sdk.builtins).toEqual([]);
    expect(sdk.inputs.length).toBeGreaterThan(10);
    // openapi-fetch from the root's node_modules, or sdk/'s own when `npm install --prefix sdk` put it there (CI).
    const others = sdk.inputs.filter((i) => !i.startsWith("sdk/src/"));
    expect(others).toHaveLength(1);
    expect(others[0]).toMatch(/^(sdk\/)?node_modules\/openapi-fetch\/dist\/index\.mjs$/);
    expect(sdk.js).toMatch(/export\s*\{[^}]*\bFeedClient\b/);
    // No CommonJS and no Buffer. (openapi-fetch reads `process?.versions` behind `typeof process === "object"`.)
    expect(sdk.js).not.toMatch(/\brequire\(|\bBuffer\./);
    // The scenario and the worker hold none of the SDK: they import the one bundle as ./sdk.js.
    for (const b of [scenarioJs, workerJs]) {
      expect(b.builtins).toEqual([]);
      expect(b.inputs.some((i) => i.startsWith("sdk/"))).toBe(false);
      expect(b.js).toContain('from "./sdk.js"');
    }
    // The check itself: a Node built-in anywhere in the graph is reported.
    const probe = await bundle({
      source: 'import { createHash } from "node:crypto"; import "os"; export { createHash };',
    });
    expect(probe.builtins.map((s) => s.split(" ")[0])).toEqual(["node:crypto", "os"]);
    console.log(`SDK bundle: ${sdk.js.length} bytes from ${sdk.inputs.length} inputs`);
  });
});

// ── 2. the browser ───────────────────────────────────────────────────────

const browserSuite = haveChromium || inCi ? describe : describe.skip;
const browserName = `in Chromium, same-origin${haveChromium ? "" : ` (${CHROMIUM} missing${inCi ? "" : ": skipped"})`}`;

browserSuite(browserName, () => {
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close().catch(() => {});
  });

  it("places, reads and cancels with a token session, signs with HMAC, and keeps the book over its WebSocket", async () => {
    if (!haveChromium) {
      throw new Error(
        `${CHROMIUM} is missing: CI needs Debian's chromium (.ci/run installs it: apt-get install chromium)`,
      );
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    // The page is answered by page.route, so Chromium knows no address for it and treats it as public:
    // its Local Network Access checks would then refuse the WebSocket to 127.0.0.1
    // (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS; same-origin fetch is not checked). The
    // permission stands in for the prompt a user would answer; a deployed page and API are both public.
    const context = await browser.newContext({ permissions: ["local-network-access"] });
    const files: Record<string, { type: string; body: string }> = {
      "/__sdk-test/index.html": {
        type: "text/html; charset=utf-8",
        body: '<!doctype html><meta charset="utf-8"><title>SDK</title><script type="module">import { scenario } from "./scenario.js"; window.__scenario = scenario;</script>',
      },
      "/__sdk-test/scenario.js": { type: "text/javascript; charset=utf-8", body: scenarioJs.js },
      "/__sdk-test/sdk.js": { type: "text/javascript; charset=utf-8", body: sdk.js },
    };
    await context.route(`${base}/__sdk-test/**`, (route) => {
      const file = files[new URL(route.request().url()).pathname];
      return file
        ? route.fulfill({ status: 200, contentType: file.type, body: file.body })
        : route.fulfill({ status: 404, body: "" });
    });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    const requests: string[] = [];
    const sockets: { url: string; received: number }[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    page.on("request", (req) => requests.push(`${req.method()} ${req.url()}`));
    page.on("websocket", (ws) => {
      const s = { url: ws.url(), received: 0 };
      sockets.push(s);
      ws.on("framereceived", () => s.received++);
    });
    const res = await page.goto(`${base}/__sdk-test/index.html`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    await page.waitForFunction("typeof window.__scenario === 'function'", undefined, { timeout: 10_000 });

    const trader = traders[0] as Trader;
    const params = paramsFor(trader, "95.00", "4");
    const before = await restL2();
    const r = (await page.evaluate(`window.__scenario(${JSON.stringify(params)})`)) as ScenarioResult;

    expect(r.hasDocument).toBe(true);
    expect(r.userAgent).toMatch(/Chrome\//);
    await expectAgreesWithRest(r, trader, params, before);
    // The browser's own WebSocket, to the API's origin; every request same-origin, so no CORS.
    expect(sockets.map((s) => s.url)).toEqual([`${base.replace(/^http/, "ws")}/v1/ws`]);
    expect(sockets[0]?.received).toBeGreaterThan(2);
    expect(requests.filter((q) => !q.split(" ")[1]?.startsWith(`${base}/`))).toEqual([]);
    expect(requests.filter((q) => q.startsWith("OPTIONS "))).toEqual([]);
    expect(requests.filter((q) => q.includes("/v1/auth/token")).length).toBe(1);
    expect(pageErrors).toEqual([]);
    console.log(
      `Chromium (${r.userAgent}): scenario ${r.ms.total} ms, book saw the order ${r.ms.placeSeen} ms after its REST answer and its cancel ${r.ms.cancelSeen} ms after; ${requests.length} requests, ${sockets[0]?.received} frames`,
    );
  }, 90_000);
});

// ── 3. Workers (workerd) ─────────────────────────────────────────────────

describe("in workerd (Miniflare), from a Worker's fetch handler", () => {
  let mf: Miniflare | undefined;

  /** wrangler.toml's compatibility date and flags (the Worker's own; nodejs_compat left out: the SDK must not need it). */
  function compatibility(): { date: string; flags: string[] } {
    const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
    const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
    const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
    if (!date || flags === undefined) throw new Error("wrangler.toml: no compatibility_date or compatibility_flags");
    return {
      date,
      flags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string).filter((f) => f !== "nodejs_compat"),
    };
  }

  beforeAll(async () => {
    const { date, flags } = compatibility();
    mf = new Miniflare(
      convertV4MiniflareOptions({
        modules: [
          { type: "ESModule", path: join(ROOT, "test/sdk/runtimes/worker.js"), contents: workerJs.js },
          { type: "ESModule", path: join(ROOT, "test/sdk/runtimes/sdk.js"), contents: sdk.js },
        ],
        compatibilityDate: date,
        compatibilityFlags: flags,
      } as unknown as Parameters<typeof convertV4MiniflareOptions>[0]),
    );
    await mf.ready;
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose().catch(() => {});
  });

  async function runInWorker(socket: "global" | "upgrade", params: ScenarioParams) {
    const res = await (mf as Miniflare).dispatchFetch("http://sdk-test.local/", {
      method: "POST",
      body: JSON.stringify({ params, socket }),
    });
    const answer = (await res.json()) as
      | { ok: true; result: ScenarioResult; upgradeSockets: number }
      | { ok: false; error: string };
    if (!answer.ok) throw new Error(`the scenario failed in workerd: ${answer.error}`);
    return answer;
  }

  for (const [socket, trader, price, size] of [
    ["global", 1, "96.00", "5"],
    ["upgrade", 2, "97.00", "6"],
  ] as const) {
    const how = socket === "global" ? "workerd's new WebSocket(url)" : "an adapter over fetch + Upgrade: websocket";
    it(`token session, order placed and cancelled, HMAC balances, the book over ${how}`, async () => {
      const t = traders[trader] as Trader;
      const params = paramsFor(t, price, size);
      const before = await restL2();
      const { result: r, upgradeSockets } = await runInWorker(socket, params);
      expect(r.userAgent).toBe("Cloudflare-Workers");
      expect(r.hasDocument).toBe(false);
      expect(upgradeSockets).toBe(socket === "upgrade" ? 1 : 0);
      await expectAgreesWithRest(r, t, params, before);
      console.log(
        `workerd (${socket}): scenario ${r.ms.total} ms, order seen in the book after ${r.ms.placeSeen} ms, cancel after ${r.ms.cancelSeen} ms`,
      );
    }, 60_000);
  }
});
