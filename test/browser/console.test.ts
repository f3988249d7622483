/**
 * The operator console in Chromium, tab by tab, against the Worker with its assets in workerd (no
 * Postgres): every state-changing action asks first and shows the API's answer, and its effect is
 * what the API reports afterwards. Deposits (idempotent by reference) and a refused withdrawal, the
 * kill switch (the trader's next order is refused with `account_disabled`), listing an instrument,
 * writing a configuration version and rolling it back, the fees, pipeline and KPI tabs from the
 * metrics, and the dead-letter tab's refusal without Postgres. No request to another origin, no
 * console error beyond the provoked refusals, no CSP violation, no serious axe finding on any tab.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Server, startServer, stopServer } from "../../bench/runtime.ts";
import { type DemoKey, seedDemo } from "../../scripts/seed-demo.ts";
import { createRestClient, Platform3Error, type RestClient } from "../../sdk/src/index.ts";
import { add, compare } from "../../web/src/common/decimal.ts";
import {
  browserSuite,
  cspViolations,
  type Findings,
  isolatedContext,
  launchChromium,
  seriousAxeViolations,
  suiteName,
} from "./harness.ts";

browserSuite(suiteName("the operator console in Chromium"), () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let findings: Findings;
  let page: Page;
  let operator: RestClient;
  let alice: RestClient;
  /** axe findings per tab, checked at the end. */
  const audits: Record<string, unknown[]> = {};

  beforeAll(async () => {
    server = await startServer({
      runtime: "miniflare",
      label: "console-browser",
      assets: true,
      vars: { CLIENT_IP_SOURCE: "local" },
    });
    const keys: DemoKey[] = await seedDemo({ base: server.base, token: "dev-operator-token", log: () => {} });
    const aliceKey = keys.find((k) => k.account === "alice");
    if (!aliceKey) throw new Error("alice was not seeded");
    alice = createRestClient({
      baseUrl: server.base,
      auth: { type: "api_key", apiKey: aliceKey.key_id, apiSecret: aliceKey.secret },
    });
    operator = createRestClient({ baseUrl: server.base, auth: { type: "bearer", token: "dev-operator-token" } });
    browser = await launchChromium();
    ({ context, findings } = await isolatedContext(browser, server.base, { viewport: { width: 1280, height: 800 } }));
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    stopServer();
  });

  async function tab(name: string): Promise<void> {
    await page.getByTestId(`tab-${name}`).click();
  }

  /**
   * Starts an action with `trigger`, confirms it in the dialog and returns the answer the page
   * shows. The one result area keeps the last answer until dismissed, so it is dismissed first and
   * this action's own answer (done or refused) waited for.
   */
  async function act(trigger: () => Promise<void>): Promise<{ text: string; role: string | null }> {
    const result = page.getByTestId("action-result");
    const dismiss = result.getByRole("button", { name: "Dismiss" });
    if ((await dismiss.count()) > 0) await dismiss.click();
    await result.and(page.locator(".is-empty")).waitFor({ state: "attached" });
    await trigger();
    await page.getByTestId("confirm-dialog").waitFor();
    await page.getByTestId("confirm-ok").click();
    const answered = result.and(page.locator(".is-done, .is-refused"));
    await answered.waitFor({ timeout: 10_000 });
    return { text: (await answered.textContent()) ?? "", role: await answered.getAttribute("role") };
  }

  async function adminBalance(account: string, asset: string): Promise<string | undefined> {
    const { data } = await operator.api.GET("/v1/admin/accounts/{account}/balances", { params: { path: { account } } });
    return (data as { balances: { asset: string; available: string }[] } | undefined)?.balances.find(
      (b) => b.asset === asset,
    )?.available;
  }

  it("signs in with the development token and opens on its tabs", async () => {
    const res = await page.goto(`${server.base}/console/`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    audits["sign-in"] = await seriousAxeViolations(page);
    await page.getByTestId("dev-operator").click();
    await page.locator("#operator-token").press("Enter");
    await page.getByTestId("tab-instruments").waitFor({ timeout: 10_000 });
    await page.getByTestId("instrument-row").first().waitFor({ timeout: 10_000 });
    audits.instruments = await seriousAxeViolations(page);
  });

  it("deposits by reference once, refuses an overdraft withdrawal, and shows the balances the API holds", async () => {
    await tab("accounts");
    await page.locator("#account-search").fill("alice");
    await page.locator("#account-search").press("Enter");
    const balances = page.getByTestId("account-balances");
    await balances.waitFor({ timeout: 10_000 });
    const before = await adminBalance("alice", "USD");
    for (let i = 0; i < 2; i++) {
      await page.locator("#deposit-asset").fill("USD");
      await page.locator("#deposit-amount").fill("12.34");
      await page.locator("#deposit-reference").fill("console-test-1");
      const answer = await act(() => page.getByTestId("deposit-form").getByRole("button").last().click());
      expect(answer.role).toBe("status");
    }
    // The same reference credited once: exactly 12.34 more than before, as the page shows.
    const after = await adminBalance("alice", "USD");
    expect(compare(after ?? "", add(before ?? "", "12.34") ?? "")).toBe(0);
    await expect.poll(() => balances.locator('[data-asset="USD"] td').nth(1).textContent()).toBe(after);

    await page.locator("#withdrawal-asset").fill("USD");
    await page.locator("#withdrawal-amount").fill("100000000");
    await page.locator("#withdrawal-reference").fill("console-test-overdraft");
    const refused = await act(() => page.getByTestId("withdrawal-form").getByRole("button").last().click());
    expect(refused.role).toBe("alert");
    expect(refused.text).toContain("insufficient_available");
    expect(await adminBalance("alice", "USD")).toBe(after);
    audits.accounts = await seriousAxeViolations(page);
  });

  it("kills an account's trading (its next order is refused) and enables it again", async () => {
    const state = page.getByTestId("trading-state");
    await expect.poll(() => state.getAttribute("data-enabled")).toBe("true");
    await act(() => page.getByTestId("kill-switch").click());
    await expect.poll(() => state.getAttribute("data-enabled"), { timeout: 10_000 }).toBe("false");
    const order = { instrument: "BTC-USD", side: "buy", type: "limit", price: "60000.00", size: "0.001" } as const;
    const refusal = await alice.placeOrder(order).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(Platform3Error);
    expect(`${(refusal as Platform3Error).code} ${(refusal as Platform3Error).reason}`).toContain("account_disabled");
    await act(() => page.getByTestId("kill-switch").click());
    await expect.poll(() => state.getAttribute("data-enabled"), { timeout: 10_000 }).toBe("true");
    const { order: placed } = await alice.placeOrder(order);
    expect(placed.status).toBe("new");
    await alice.cancelOrder(placed.order_id);
  });

  it("lists a new instrument from the form, after confirmation", async () => {
    await tab("instruments");
    const form = page.getByTestId("instrument-form");
    await form.locator("#ni-base").fill("TST");
    await form.locator("#ni-quote").fill("USD");
    const answer = await act(() => form.getByRole("button").last().click());
    expect(answer.role).toBe("status");
    await page.locator('[data-testid="instrument-row"][data-symbol="TST-USD"]').waitFor({ timeout: 10_000 });
    const listed = await operator.instrument("TST-USD");
    expect(listed.status).toBe("pre_open");
  });

  it("writes a configuration version and rolls it back, each with the version it was read at", async () => {
    await tab("config");
    await page.getByTestId("config-section").selectOption("fees");
    const version = page.getByTestId("config-version");
    await version.waitFor({ timeout: 10_000 });
    const v0 = Number(await version.getAttribute("data-version"));
    // Two versions written as they were read (the first write of a section has nothing to roll back to)…
    for (const n of [1, 2]) {
      await page.locator("#config-reason").fill(`browser test: rewrite ${n}`);
      expect((await act(() => page.getByTestId("config-save").click())).role).toBe("status");
      await expect
        .poll(async () => Number(await version.getAttribute("data-version")), { timeout: 10_000 })
        .toBe(v0 + n);
    }
    // …then a rollback to the earlier one, which writes a third.
    expect((await act(() => page.getByTestId("config-rollback").first().click())).role).toBe("status");
    await expect.poll(async () => Number(await version.getAttribute("data-version")), { timeout: 10_000 }).toBe(v0 + 3);
    const { data } = await operator.api.GET("/v1/admin/config/{section}", { params: { path: { section: "fees" } } });
    expect((data as { version: number } | undefined)?.version).toBe(v0 + 3);
    audits.config = await seriousAxeViolations(page);
  });

  it("shows fees, the pipeline and the KPIs from the metrics, and the dead letters' refusal without Postgres", async () => {
    await tab("fees");
    await page.getByTestId("fees-assets").waitFor({ timeout: 10_000 });
    audits.fees = await seriousAxeViolations(page);
    await tab("pipeline");
    await page.getByTestId("outbox-table").waitFor({ timeout: 15_000 });
    audits.pipeline = await seriousAxeViolations(page);
    await tab("kpis");
    await page.getByTestId("kpi-card").first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("kpi-card").count()).toBeGreaterThan(5);
    audits.kpis = await seriousAxeViolations(page);
    await tab("dlq");
    await page.getByRole("alert").filter({ hasText: "history_unavailable" }).first().waitFor({ timeout: 10_000 });
    audits.dlq = await seriousAxeViolations(page);
  });

  it("left no request to another origin, no unexpected console error, no CSP violation, no serious axe finding", async () => {
    expect(audits).toEqual(Object.fromEntries(Object.keys(audits).map((k) => [k, []])));
    expect(await cspViolations(page)).toEqual([]);
    expect(findings.thirdParty).toEqual([]);
    // The provoked refusals (409 overdraft, 503 dead letters) are logged by Chromium as failed loads.
    expect(findings.errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  });
});
