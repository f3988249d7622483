/**
 * The trader terminal and the operator console in Chromium, as two traders and an operator use them:
 * alice (demo sign-in) and bob (a typed API key) on BTC-USD; an order resting on both ladders
 * within a second, crossed from the other page, the trade on the tape, the fills and the balances;
 * amend and cancel; one page cut off the network and back, its book equal to REST's L2; the operator
 * halting the instrument in the console and the trader's order entry refusing with the reason.
 * Every page: no request to another origin, no console error, no CSP violation, no serious axe
 * finding. Screenshots at 1280×800 and 390×844 go to .wrangler/screenshots/ (and to
 * docs/images/web/ with UPDATE_SCREENSHOTS=1: `npm run web:screenshots`).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Server, startServer, stopServer } from "../../bench/runtime.ts";
import { type DemoKey, seedDemo } from "../../scripts/seed-demo.ts";
import { createRestClient, type RestClient } from "../../sdk/src/index.ts";
import { compare } from "../../web/src/common/decimal.ts";
import {
  browserSuite,
  cspViolations,
  type Findings,
  isolatedContext,
  launchChromium,
  NetworkCut,
  seriousAxeViolations,
  suiteName,
} from "./harness.ts";

const SYMBOL = "BTC-USD";
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SHOTS = [".wrangler/screenshots", ...(process.env.UPDATE_SCREENSHOTS ? ["docs/images/web"] : [])];

interface Level {
  side: string;
  price: string;
  size: string;
}

browserSuite(suiteName("the terminal and the console in Chromium"), () => {
  let server: Server;
  let browser: Browser;
  const contexts: { context: BrowserContext; findings: Findings }[] = [];
  let keys: DemoKey[];
  let alice: Page;
  let bob: Page;
  let bobNet: NetworkCut;
  let rest: RestClient;

  async function newPage(viewport = DESKTOP): Promise<Page> {
    const isolated = await isolatedContext(browser, server.base, { viewport });
    contexts.push(isolated);
    return isolated.context.newPage();
  }

  function key(account: string): DemoKey {
    const found = keys.find((k) => k.account === account);
    if (!found) throw new Error(`no demo key for ${account}`);
    return found;
  }

  beforeAll(async () => {
    server = await startServer({
      runtime: "miniflare",
      label: "terminal-browser",
      assets: true,
      // The browser sends no CF-Connecting-IP: it is loopback, where the demo sign-in works.
      vars: { CLIENT_IP_SOURCE: "local" },
    });
    browser = await launchChromium();
    keys = await seedDemo({ base: server.base, token: "dev-operator-token", log: () => {} });
    const bobKey = key("bob");
    rest = createRestClient({
      baseUrl: server.base,
      auth: { type: "api_key", apiKey: bobKey.key_id, apiSecret: bobKey.secret },
    });
    for (const shots of SHOTS) mkdirSync(shots, { recursive: true });
  });

  afterAll(async () => {
    for (const { context } of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    stopServer();
  });

  async function shoot(page: Page, name: string): Promise<void> {
    for (const dir of SHOTS) await page.screenshot({ path: join(dir, `${name}.png`) });
  }

  async function openTerminal(page: Page): Promise<void> {
    const res = await page.goto(`${server.base}/`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    const csp = (await res?.allHeaders())?.["content-security-policy"] ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-|\*/);
  }

  async function chooseSymbol(page: Page): Promise<void> {
    await page.getByTestId("instrument-picker").selectOption(SYMBOL);
    await page.getByTestId("connection").and(page.locator('[data-state="live"]')).waitFor({ timeout: 15_000 });
  }

  async function ladder(page: Page): Promise<Level[]> {
    return page.getByTestId("ladder-row").evaluateAll((rows) =>
      rows.map((r) => ({
        side: r.getAttribute("data-side") ?? "",
        price: r.getAttribute("data-price") ?? "",
        size: r.getAttribute("data-size") ?? "",
      })),
    );
  }

  async function restLevels(): Promise<Level[]> {
    const book = await rest.book(SYMBOL, { level: "2", depth: 1000 });
    const levels = (side: string, list: typeof book.bids) =>
      (list as [string, string][]).map(([price, size]) => ({ side, price, size }));
    return [...levels("sell", book.asks), ...levels("buy", book.bids)];
  }

  const byPrice = (levels: Level[]) =>
    [...levels].sort((a, b) => a.side.localeCompare(b.side) || Number(a.price) - Number(b.price));

  async function fillOrder(page: Page, side: "buy" | "sell", price: string, size: string): Promise<void> {
    await page.getByTestId(`side-${side}`).click();
    await page.locator("#order-type").selectOption("limit");
    await page.locator("#order-price").fill(price);
    await page.locator("#order-size").fill(size);
  }

  /** Submits the form and returns what the page shows for this placement (not the one before it). */
  async function submitOrder(page: Page): Promise<string> {
    const [reply] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/v1/orders"),
      page.getByTestId("order-submit").click(),
    ]);
    if (reply.ok()) {
      const { order } = (await reply.json()) as { order: { order_id: string } };
      const shown = page.locator(`[data-testid="order-result"][data-order-id="${order.order_id}"]`);
      await shown.waitFor({ timeout: 10_000 });
      return (await shown.textContent()) ?? "";
    }
    const { code } = (await reply.json()) as { code: string };
    const shown = page.getByTestId("order-error").filter({ hasText: code });
    await shown.waitFor({ timeout: 10_000 });
    return (await shown.textContent()) ?? "";
  }

  function row(page: Page, side: string, price: string) {
    return page.locator(`[data-testid="ladder-row"][data-side="${side}"][data-price="${price}"]`);
  }

  async function balance(page: Page, asset: string): Promise<string> {
    return (await page.locator(`[data-testid="balance"][data-asset="${asset}"]`).getAttribute("data-available")) ?? "";
  }

  it("signs in alice with the demo key and bob with a typed key, each on the BTC-USD book", async () => {
    alice = await newPage();
    await openTerminal(alice);
    await alice.getByTestId("demo-alice").click();
    await alice.getByTestId("account").filter({ hasText: "alice" }).waitFor({ timeout: 15_000 });

    bob = await newPage();
    bobNet = await NetworkCut.install(bob);
    await openTerminal(bob);
    await bob.locator("#api-key-id").fill(key("bob").key_id);
    await bob.locator("#api-secret").fill(key("bob").secret);
    await bob.locator("#api-secret").press("Enter");
    await bob.getByTestId("account").filter({ hasText: "bob" }).waitFor({ timeout: 15_000 });

    await chooseSymbol(alice);
    await chooseSymbol(bob);
    await alice.getByTestId("balance").first().waitFor({ timeout: 10_000 });
  });

  it("shows a resting order on both ladders within a second, and the cross on the tape, fills and balances", async () => {
    const usdBefore = await balance(alice, "USD");
    const btcBefore = await balance(alice, "BTC");
    await fillOrder(alice, "sell", "65000.00", "0.01000");
    const sent = Date.now();
    await alice.getByTestId("order-submit").click();
    await Promise.all([row(alice, "sell", "65000.00").waitFor(), row(bob, "sell", "65000.00").waitFor()]);
    const seenMs = Date.now() - sent;
    expect(seenMs, `resting order on both ladders after ${seenMs} ms`).toBeLessThanOrEqual(1000);
    expect(await row(bob, "sell", "65000.00").getAttribute("data-size")).toBe("0.01000");

    // Bob clicks the ask: the form takes its price and the buy side; he crosses it.
    await row(bob, "sell", "65000.00").click();
    await expect.poll(() => bob.locator("#order-price").inputValue()).toBe("65000.00");
    await bob.locator("#order-size").fill("0.01000");
    expect(await submitOrder(bob)).not.toMatch(/error|rejected/i);

    for (const page of [alice, bob]) {
      await page.locator('[data-testid="tape-row"][data-price="65000.00"]').first().waitFor({ timeout: 5_000 });
      await expect.poll(() => row(page, "sell", "65000.00").count()).toBe(0);
    }
    // The fill in each trader's history, and alice's balances moved: 0.01 BTC out, 650 USD less fees in.
    await bob.getByRole("tab", { name: /fills/i }).click();
    await bob.locator('[data-testid="fill"][data-price="65000.00"][data-side="buy"]').waitFor({ timeout: 5_000 });
    await alice.getByRole("tab", { name: /fills/i }).click();
    await alice.locator('[data-testid="fill"][data-price="65000.00"][data-side="sell"]').waitFor({ timeout: 5_000 });
    await expect.poll(() => balance(alice, "BTC"), { timeout: 5_000 }).not.toBe(btcBefore);
    await expect.poll(() => balance(alice, "USD"), { timeout: 5_000 }).not.toBe(usdBefore);
    const aliceRest = createRestClient({
      baseUrl: server.base,
      auth: { type: "api_key", apiKey: key("alice").key_id, apiSecret: key("alice").secret },
    });
    const balances = (await aliceRest.balances()).balances;
    for (const asset of ["USD", "BTC"]) {
      const expected = balances.find((b) => b.asset === asset)?.available;
      await expect.poll(() => balance(alice, asset)).toBe(expected);
    }
  });

  it("amends a resting order's price from the open orders and cancels it", async () => {
    await fillOrder(alice, "buy", "64000.00", "0.02000");
    expect(await submitOrder(alice)).not.toMatch(/error|rejected/i);
    await alice.getByRole("tab", { name: /open orders/i }).click();
    const open = alice.locator('[data-testid="open-order"][data-price="64000.00"]');
    await open.waitFor({ timeout: 5_000 });
    await open.getByTestId("amend").click();
    await alice.getByTestId("amend-price").fill("64001.00");
    await alice.getByTestId("amend-save").click();
    await alice.locator('[data-testid="open-order"][data-price="64001.00"]').waitFor({ timeout: 5_000 });
    await row(bob, "buy", "64001.00").waitFor({ timeout: 5_000 });
    expect(await row(bob, "buy", "64000.00").count()).toBe(0);
    // A market sell is priced against the book as it is: bob would take 0.01 of alice's 0.02 at 64001.00.
    await bob.getByTestId("side-sell").click();
    await bob.locator("#order-type").selectOption("market");
    await bob.locator("#order-size").fill("0.01000");
    const estimate = bob.getByTestId("order-estimate");
    await expect.poll(async () => compare((await estimate.getAttribute("data-cost")) ?? "", "640.01")).toBe(0);
    await bob.locator("#order-size").fill("0.05000");
    await expect.poll(async () => compare((await estimate.getAttribute("data-cost")) ?? "", "1280.02")).toBe(0);
    expect(await estimate.textContent()).toContain("the book holds no more");

    await alice.locator('[data-testid="open-order"][data-price="64001.00"]').getByTestId("cancel").click();
    await expect.poll(() => alice.locator('[data-testid="open-order"]').count(), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => row(bob, "buy", "64001.00").count(), { timeout: 5_000 }).toBe(0);
  });

  it("shows a lost connection, recovers by itself, and its book equals REST's level 2", async () => {
    await bobNet.drop();
    await bob.locator('[data-testid="connection"]:not([data-state="live"])').waitFor({ timeout: 10_000 });
    // The book moves while bob is away.
    for (const [price, size] of [
      ["63990.00", "0.01000"],
      ["63980.00", "0.03000"],
    ] as const) {
      await fillOrder(alice, "buy", price, size);
      expect(await submitOrder(alice)).not.toMatch(/error|rejected/i);
    }
    await bobNet.restore();
    await bob.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 45_000 });
    const expected = byPrice(await restLevels());
    await expect.poll(async () => byPrice(await ladder(bob)), { timeout: 10_000 }).toEqual(expected);
    expect(expected.some((l) => l.price === "63980.00")).toBe(true);
  });

  it("writes screenshots of the terminal at 1280×800 and 390×844", async () => {
    await shoot(alice, "terminal-1280");
    const phone = await newPage(PHONE);
    await openTerminal(phone);
    await phone.getByTestId("demo-bob").click();
    await phone.getByTestId("account").filter({ hasText: "bob" }).waitFor({ timeout: 15_000 });
    await chooseSymbol(phone);
    await phone.getByTestId("ladder-row").first().waitFor({ timeout: 10_000 });
    await shoot(phone, "terminal-390");
    await phone.close();
  });

  it("lets the operator halt the instrument in the console; the terminal refuses orders with the reason", async () => {
    const operator = await newPage();
    const res = await operator.goto(`${server.base}/console/`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    await operator.getByTestId("dev-operator").click();
    await operator.locator("#operator-token").press("Enter");
    await operator.getByTestId("tab-instruments").click();
    const instrument = operator.locator(`[data-testid="instrument-row"][data-symbol="${SYMBOL}"]`);
    await instrument.waitFor({ timeout: 10_000 });
    await instrument.getByTestId("status-select").selectOption("halted");
    await instrument.getByTestId("status-apply").click();
    // Confirmation first, then the API's answer.
    await operator.getByTestId("confirm-dialog").waitFor();
    await operator.getByTestId("confirm-ok").click();
    await operator.getByTestId("action-result").filter({ hasText: "halted" }).waitFor({ timeout: 10_000 });
    await operator.locator(`[data-testid="instrument-row"][data-symbol="${SYMBOL}"][data-status="halted"]`).waitFor();
    await shoot(operator, "console-1280");

    await alice.getByTestId("instrument-status").filter({ hasText: "halted" }).waitFor({ timeout: 10_000 });
    await fillOrder(alice, "buy", "64000.00", "0.01000");
    const refusal = await submitOrder(alice);
    expect(refusal).toContain("instrument_halted");
    expect(await alice.getByTestId("order-error").getAttribute("role")).toBe("alert");

    // Resume: the same console action back to open, and orders are accepted again.
    await instrument.getByTestId("status-select").selectOption("open");
    await instrument.getByTestId("status-apply").click();
    await operator.getByTestId("confirm-ok").click();
    await operator.locator(`[data-testid="instrument-row"][data-symbol="${SYMBOL}"][data-status="open"]`).waitFor({
      timeout: 10_000,
    });
    await operator.setViewportSize(PHONE);
    await shoot(operator, "console-390");
    await operator.setViewportSize(DESKTOP);
  });

  it("left no request to another origin, no console error, no CSP violation and no serious axe finding", async () => {
    // Both themes are audited: the toggled one on alice's page, the first one (the system's) everywhere.
    await alice.getByTestId("theme-toggle").click();
    const toggled = await alice.locator("html").getAttribute("data-theme");
    expect(await seriousAxeViolations(alice), `${toggled} theme`).toEqual([]);
    await alice.getByTestId("theme-toggle").click();
    for (const { context, findings } of contexts) {
      for (const page of context.pages()) {
        expect(await cspViolations(page), page.url()).toEqual([]);
        expect(await seriousAxeViolations(page), page.url()).toEqual([]);
      }
      expect(findings.thirdParty).toEqual([]);
      expect(findings.errors.filter((e) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    }
  });
});
