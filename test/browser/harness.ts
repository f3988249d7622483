/**
 * What the browser suites share: Debian's Chromium driven by playwright-core (`npx playwright
 * install` cannot download browsers here), the Worker with its static assets in workerd
 * (bench/runtime.ts), pages whose every request to another origin is aborted and counted, whose
 * console errors and CSP violations are collected, an axe-core audit, and a network cut of one page.
 *
 * Without /usr/bin/chromium the suites are skipped locally and fail in CI (`CI` set; .ci/run
 * installs the `chromium` package).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, type BrowserContext, chromium, type Page, type WebSocketRoute } from "playwright-core";
import { describe } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

/** `describe` when Chromium is here (or in CI, where its absence must fail), else `describe.skip`. */
export const browserSuite = haveChromium || inCi ? describe : describe.skip;

export function suiteName(name: string): string {
  return `${name}${haveChromium ? "" : ` (${CHROMIUM} missing${inCi ? "" : ": skipped"})`}`;
}

export async function launchChromium(): Promise<Browser> {
  if (!haveChromium) {
    throw new Error(
      `${CHROMIUM} is missing: CI needs Debian's chromium (.ci/run installs it: apt-get install chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** A page's findings: requests to other origins (aborted), console errors, page errors, CSP violations. */
export interface Findings {
  thirdParty: string[];
  errors: string[];
}

/**
 * A browser context that can reach `origin` only: anything else is aborted and recorded. Every page
 * of it records CSP violations in `window.__cspViolations` (outside the page's own policy).
 */
export async function isolatedContext(
  browser: Browser,
  origin: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; findings: Findings }> {
  const findings: Findings = { thirdParty: [], errors: [] };
  const context = await browser.newContext(options);
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    findings.thirdParty.push(url);
    return route.abort("blockedbyclient");
  });
  await context.addInitScript({
    content:
      "window.__cspViolations = []; document.addEventListener('securitypolicyviolation', " +
      "(e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  context.on("page", (page) => watch(page, findings));
  return { context, findings };
}

function watch(page: Page, findings: Findings): void {
  page.on("console", (msg) => {
    if (msg.type() === "error") findings.errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => findings.errors.push(`pageerror: ${err.message}`));
}

export async function cspViolations(page: Page): Promise<string[]> {
  return (await page.evaluate("window.__cspViolations ?? []")) as string[];
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: number;
  targets: string[];
}

/**
 * axe-core's WCAG 2.x A/AA audit of the page as it is now, serious and critical findings only.
 * Injected with `evaluate` (DevTools protocol), which the page's CSP does not govern.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
      targets: v.nodes.slice(0, 3).map((n) => String(n.target)),
    })))`)) as AxeViolation[];
  return result.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/**
 * Cuts one page off the network and gives it back: REST fails while offline, and the page's feed
 * sockets (proxied through playwright's WebSocket routing from the start) are closed as a lost
 * connection would be, and new ones refused until `restore()`.
 */
export class NetworkCut {
  private readonly page: Page;
  private readonly sockets = new Set<WebSocketRoute>();
  private cut = false;

  private constructor(page: Page) {
    this.page = page;
  }

  static async install(page: Page): Promise<NetworkCut> {
    const net = new NetworkCut(page);
    await page.routeWebSocket(/\/v1\/ws/, (ws) => net.route(ws));
    return net;
  }

  private route(ws: WebSocketRoute): void {
    if (this.cut) {
      void ws.close({ code: 1001, reason: "network down" });
      return;
    }
    ws.connectToServer();
    this.sockets.add(ws);
    ws.onClose(() => this.sockets.delete(ws));
  }

  async drop(): Promise<void> {
    this.cut = true;
    await this.page.context().setOffline(true);
    for (const ws of this.sockets) await ws.close({ code: 1001, reason: "network down" });
    this.sockets.clear();
  }

  async restore(): Promise<void> {
    this.cut = false;
    await this.page.context().setOffline(false);
  }
}
