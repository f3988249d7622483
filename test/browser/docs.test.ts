/**
 * `/docs` in a real browser (Debian's Chromium driven by playwright-core), against the Worker in
 * workerd serving its static assets as Cloudflare would (bench/runtime.ts, `assets: true`), with
 * the network cut off from everything but the server: the reference must render from the pinned
 * bundle on our own origin, under a Content-Security-Policy that admits no third-party script and
 * that the page never violates, and `/docs/asyncapi` must list the feed channel.
 *
 * Needs /usr/bin/chromium (`apt-get install chromium`; `npx playwright install` cannot download
 * browsers here). Without it the suite is skipped locally, and fails in CI (`CI` set).
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Server, startServer, stopServer } from "../../bench/runtime.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
const suite = haveChromium || inCi ? describe : describe.skip;

/** The CSP directives the docs pages must carry (the nonce varies per response). */
function directives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = "", ...values] = d.split(/\s+/);
        return [name, values.join(" ")] as const;
      }),
  );
}

function expectDocsPolicy(csp: string | null): void {
  const d = directives(csp ?? "");
  expect(d.get("default-src")).toBe("'none'");
  // Our origin and one nonce for the inline script we write; no host, scheme, 'unsafe-*' or 'strict-dynamic'.
  const scripts = d.get("script-src")?.split(" ") ?? [];
  expect(scripts).toHaveLength(2);
  expect(scripts).toContain("'self'");
  expect(scripts.find((s) => s !== "'self'")).toMatch(/^'nonce-[0-9a-f]{32}'$/);
  // Styles from our origin; inline ones too (the bundle injects <style> elements without a nonce).
  expect(d.get("style-src")).toBe("'self' 'unsafe-inline'");
  expect(d.get("font-src")).toBe("'self'");
  expect(d.get("connect-src")).toBe("'self'");
  expect(d.get("object-src")).toBe("'none'");
  expect(d.get("base-uri")).toBe("'none'");
  expect(d.get("frame-ancestors")).toBe("'none'");
  expect(csp).not.toMatch(/https?:|unsafe-eval|strict-dynamic|\*|scalar\.com|jsdelivr/);
  expect(d.get("script-src")).not.toContain("unsafe-");
}

const suiteName = `/docs in Chromium, offline${haveChromium ? "" : ` (${CHROMIUM} missing${inCi ? "" : ": skipped"})`}`;

suite(suiteName, () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  /** Requests the page made to anything but the server's origin (all aborted). */
  const thirdParty: string[] = [];
  /** Console errors and uncaught exceptions, and CSP violations reported by the page. */
  const errors: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(
        `${CHROMIUM} is missing: CI needs Debian's chromium (.ci/run installs it: apt-get install chromium)`,
      );
    }
    server = await startServer({ runtime: "miniflare", label: "docs-browser", assets: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    context = await browser.newContext();
    await context.route("**/*", async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === server.base) return route.continue();
      thirdParty.push(url);
      return route.abort("blockedbyclient");
    });
    // Runs before the page's own scripts and outside its CSP: collects every violation event.
    await context.addInitScript({
      content:
        "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', " +
        "(e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    stopServer();
  });

  async function open(path: string): Promise<{ page: Page; csp: string | null }> {
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
    const res = await page.goto(`${server.base}${path}`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    return { page, csp: (await res?.allHeaders())?.["content-security-policy"] ?? null };
  }

  async function pageViolations(page: Page): Promise<string[]> {
    return (await page.evaluate("window.__cspViolations")) as string[];
  }

  it("renders the OpenAPI reference from the bundle on our origin, asking no other origin", async () => {
    // Scalar's own route to an operation: it opens the tag and renders that operation.
    const { page, csp } = await open("/docs#tag/orders/POST/v1/orders");
    expectDocsPolicy(csp);
    // The bundle came from our origin (static assets), with the type the browser needs.
    const bundle = await page.request.get(`${server.base}/docs/scalar/api-reference.js`);
    expect(bundle.status()).toBe(200);
    expect(bundle.headers()["content-type"]).toMatch(/javascript/);
    // The reference rendered from /v1/openapi.json: placeOrder (POST /v1/orders) is on the page.
    await page.getByText("Place an order").first().waitFor({ timeout: 30_000 });
    await page.getByText("/v1/orders", { exact: true }).first().waitFor({ timeout: 10_000 });
    // Give late requests (fonts, lazy chunks) a moment to show up.
    await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => {});
    violations.push(...(await pageViolations(page)));
    expect(thirdParty).toEqual([]);
    expect(violations).toEqual([]);
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("links to /docs/asyncapi, which lists the feed channel and its operations", async () => {
    const { page } = await open("/docs");
    const [res] = await Promise.all([
      page.waitForResponse(`${server.base}/docs/asyncapi`),
      page.locator('nav a[href="/docs/asyncapi"]').click({ timeout: 30_000 }),
    ]);
    await page.waitForLoadState("load");
    expect(res.status()).toBe(200);
    expectDocsPolicy(res.headers()["content-security-policy"] ?? null);
    const channel = page.locator("#channel-feed");
    await channel.waitFor({ timeout: 10_000 });
    expect(await channel.textContent()).toContain("/ws");
    expect(await page.locator("#operation-orderPlace").textContent()).toContain("send");
    expect(await page.locator("[id^=operation-receive]").count()).toBeGreaterThan(0);
    expect(await pageViolations(page)).toEqual([]);
    expect(thirdParty).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
