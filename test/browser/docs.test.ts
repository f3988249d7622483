/**
 * `/docs` in a real browser (Debian's Chromium driven by playwright-core), against the Worker in
 * workerd serving its static assets as Cloudflare would (bench/runtime.ts, `assets: true`), with
 * the network cut off from everything but the server: the reference must render from the pinned
 * bundle on our own origin, under a Content-Security-Policy that admits no third-party script and
 * that the page never violates, and `/docs/asyncapi` must list the feed channel.
 *
 * Chromium and the isolated pages: ./harness.ts.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Server, startServer, stopServer } from "../../bench/runtime.ts";
import { browserSuite, cspViolations, type Findings, isolatedContext, launchChromium, suiteName } from "./harness.ts";

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

browserSuite(suiteName("/docs in Chromium, offline"), () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  /** Requests to anything but the server's origin (all aborted), console errors and uncaught exceptions. */
  let findings: Findings;
  const violations: string[] = [];

  beforeAll(async () => {
    server = await startServer({ runtime: "miniflare", label: "docs-browser", assets: true });
    browser = await launchChromium();
    ({ context, findings } = await isolatedContext(browser, server.base));
  }, 180_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    stopServer();
  });

  async function open(path: string): Promise<{ page: Page; csp: string | null }> {
    const page = await context.newPage();
    const res = await page.goto(`${server.base}${path}`, { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    return { page, csp: (await res?.allHeaders())?.["content-security-policy"] ?? null };
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
    violations.push(...(await cspViolations(page)));
    expect(findings.thirdParty).toEqual([]);
    expect(violations).toEqual([]);
    expect(findings.errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(findings.errors).toEqual([]);
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
    expect(await cspViolations(page)).toEqual([]);
    expect(findings.thirdParty).toEqual([]);
    expect(findings.errors).toEqual([]);
    await page.close();
  }, 60_000);
});
