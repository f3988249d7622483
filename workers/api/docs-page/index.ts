/**
 * The pages of `/docs`: our own HTML around Scalar's reference, whose script is the pinned
 * `@scalar/api-reference` standalone bundle served from this origin by Workers static assets
 * (`/docs/scalar/api-reference.js`, copied into web/dist/ by scripts/web-assets.mjs), and
 * `/docs/asyncapi`, the feed's AsyncAPI document as a plain server-rendered list.
 *
 * Nothing loads from another origin: the policy ({@link docsPolicy}) admits scripts from this
 * origin plus the one inline script of `/docs` (by nonce; no 'unsafe-eval', the bundle needs
 * none), styles and fonts from this origin (plus inline styles: the bundle injects `<style>`
 * elements and style attributes without a nonce), and connects to this origin only. Scalar's
 * default fonts (fonts.scalar.com), telemetry, agent and MCP features are turned off.
 */
import { type AsyncApiOptions, asyncApiDocument, FEED_PATH, type Json } from "../asyncapi/document.ts";

/** URL path of the bundle (its path under web/dist/; scripts/web-assets.mjs writes it there). */
export const SCALAR_BUNDLE_PATH = "/docs/scalar/api-reference.js";

/** The Content-Security-Policy of the docs pages, for one response's nonce. */
export function docsPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}' 'self'`,
    // The bundle adds <style> elements and style attributes of its own, without a nonce.
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join("; ");
}

const escapeMap: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (text: unknown): string => String(text ?? "").replace(/[&<>"']/g, (ch) => escapeMap[ch] ?? ch);

/** The links between the two pages and to the raw documents. */
function nav(current: "openapi" | "asyncapi"): string {
  const link = (href: string, label: string, page?: "openapi" | "asyncapi") =>
    `<a href="${href}"${page === current ? ' aria-current="page"' : ""}>${label}</a>`;
  return `<nav class="p3-docs-nav"><strong>Platform3 Edge</strong>${link("/docs", "HTTP API (OpenAPI)", "openapi")}${link("/docs/asyncapi", "WebSocket feed (AsyncAPI)", "asyncapi")}${link("/v1/openapi.json", "openapi.json")}${link("/v1/asyncapi.json", "asyncapi.json")}</nav>`;
}

const NAV_CSS =
  ".p3-docs-nav{display:flex;gap:1.25rem;align-items:center;padding:.5rem 1rem;font:14px/1.4 system-ui,sans-serif;" +
  "border-bottom:1px solid #8884;background:#fff;color:#222}.p3-docs-nav a{color:#0b57d0}" +
  ".p3-docs-nav a[aria-current]{font-weight:600;text-decoration:none;color:inherit}";

function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

/** Scalar's configuration: our document, nothing fetched from elsewhere. */
const SCALAR_CONFIG = {
  url: "/v1/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  // Its toolbar (shown on localhost) links to scalar.com's hosted services.
  showDeveloperTools: "never",
  hideClientButton: false,
  persistAuth: false,
  documentDownloadType: "json",
};

/**
 * The one inline script, before the bundle: zod inside the bundle probes `Function("")` to pick its
 * JIT, which the policy refuses (no 'unsafe-eval'), so it is told not to (`jitless`, read from
 * `globalThis.__zod_globalConfig`); the reference mounts once the document is parsed.
 */
const INIT_SCRIPT =
  "globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });\n" +
  `addEventListener("DOMContentLoaded", () => Scalar.createApiReference("#app", ${JSON.stringify(SCALAR_CONFIG)}));`;

/** `GET /docs`: the reference of `/v1/openapi.json`. */
export function referencePage(nonce: string): string {
  return page(
    "Platform3 Edge API",
    `<style>body{margin:0}${NAV_CSS}</style>`,
    `${nav("openapi")}
<div id="app"></div>
<script nonce="${nonce}">${INIT_SCRIPT}</script>
<script src="${SCALAR_BUNDLE_PATH}"></script>`,
  );
}

const asyncApiDocuments = new Map<string, Json>();

/** The AsyncAPI document for these options, built once per isolate and origin. */
function cachedAsyncApi(options: AsyncApiOptions): Json {
  const key = JSON.stringify(options);
  let doc = asyncApiDocuments.get(key);
  if (!doc) {
    if (asyncApiDocuments.size >= 16) asyncApiDocuments.clear();
    doc = asyncApiDocument(options);
    asyncApiDocuments.set(key, doc);
  }
  return doc;
}

const PAGE_CSS =
  "body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#222}main{max-width:72rem;margin:0 auto;padding:1rem}" +
  "table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;" +
  "border-bottom:1px solid #8884}code{font:13px ui-monospace,monospace}.send{color:#0a7d38}.receive{color:#8a4b00}";

/** `GET /docs/asyncapi`: the feed's channel and operations, from `/v1/asyncapi.json` (no script). */
export function asyncApiPage(options: AsyncApiOptions): string {
  const doc = cachedAsyncApi(options);
  const info = (doc.info ?? {}) as Json;
  const channels = Object.entries((doc.channels ?? {}) as Record<string, Json>);
  const operations = Object.entries((doc.operations ?? {}) as Record<string, Json>);
  const socket = `${options.serverUrl.replace(/^http/, "ws")}${FEED_PATH}`;
  const channelRows = channels
    .map(
      ([id, ch]) =>
        `<tr id="channel-${esc(id)}"><td><code>${esc(id)}</code></td><td><code>${esc(ch.address)}</code> (<code>${esc(socket)}</code>)</td><td>${esc(ch.title)}: ${esc(ch.description)}</td></tr>`,
    )
    .join("\n");
  const operationRows = operations
    .map(([id, op]) => {
      const channel = String((op.channel as Json | undefined)?.$ref ?? "").replace("#/channels/", "");
      const scope = op["x-scope"] === undefined ? "" : ` <small>(scope <code>${esc(op["x-scope"])}</code>)</small>`;
      return `<tr id="operation-${esc(id)}"><td><code>${esc(id)}</code></td><td class="${esc(op.action)}">${esc(op.action)}</td><td><code>${esc(channel)}</code></td><td><strong>${esc(op.title ?? op.summary)}</strong>${scope}<br>${esc(op.description)}</td></tr>`;
    })
    .join("\n");
  return page(
    `${String(info.title ?? "AsyncAPI")} (AsyncAPI)`,
    `<style>${PAGE_CSS}${NAV_CSS}</style>`,
    `${nav("asyncapi")}
<main>
<h1>${esc(info.title)} <small>${esc(info.version)}, AsyncAPI ${esc(doc.asyncapi)}</small></h1>
<p>${esc(info.description)}</p>
<p>The full document: <a href="/v1/asyncapi.json">/v1/asyncapi.json</a> (payload schemas, messages, close codes).</p>
<h2>Channels</h2>
<table><thead><tr><th>Channel</th><th>Address</th><th>About</th></tr></thead>
<tbody>
${channelRows}
</tbody></table>
<h2>Operations</h2>
<table><thead><tr><th>Operation</th><th>Action</th><th>Channel</th><th>About</th></tr></thead>
<tbody>
${operationRows}
</tbody></table>
</main>`,
  );
}
