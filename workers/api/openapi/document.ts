/**
 * The OpenAPI 3.1 document: built from the registry of the running app (what
 * `GET /v1/openapi.json` serves), or from the route contracts alone, without
 * handlers or bindings (what the Node test validates). A Workers test checks
 * the two are equal, so the validated document is the served one.
 */

import { OpenAPIHono } from "@hono/zod-openapi";
import { AUTH_CONTRACTS } from "../auth/contracts.ts";
import { GRAPHQL_CONTRACTS } from "../graphql/contract.ts";
import { BALANCE_CONTRACTS } from "./contracts/accounts-balances.ts";
import {
  changeInstrumentStatus,
  createInstrument,
  failoverInstrumentBook,
  getFees,
  moveInstrumentBook,
  runBookCommands,
} from "./contracts/admin.ts";
import { getAsyncApi } from "./contracts/asyncapi.ts";
import { CONFIG_CONTRACTS } from "./contracts/config.ts";
import { DEAD_LETTER_CONTRACTS } from "./contracts/dead-letters.ts";
import { openFeed } from "./contracts/feed.ts";
import { HISTORY_CONTRACTS } from "./contracts/history.ts";
import {
  getBook,
  getCandles,
  getInstrument,
  getTicker,
  getTrades,
  listInstruments,
  listTickers,
} from "./contracts/market-data.ts";
import { getMetrics } from "./contracts/metrics.ts";
import { ORDER_CONTRACTS } from "./contracts/orders.ts";
import { RECOVERY_CONTRACTS } from "./contracts/recovery.ts";
import { replayJournal } from "./contracts/replay.ts";
import { SCHEMA_CONTRACTS } from "./contracts/schemas.ts";
import { getSessions } from "./contracts/sessions.ts";
import { getMyStatement } from "./contracts/statements.ts";
import { getHealth, getOpenApi, getReadiness, getTime } from "./contracts/system.ts";
import { securitySchemes } from "./security.ts";

/** Where the routers are mounted. */
export const API_PREFIX = "/v1";

/** Every operation of the API, paths relative to {@link API_PREFIX}. */
export const API_CONTRACTS = [
  getTime,
  getHealth,
  getReadiness,
  getOpenApi,
  getAsyncApi,
  getSessions,
  listInstruments,
  getInstrument,
  getBook,
  getTrades,
  getTicker,
  listTickers,
  getCandles,
  openFeed,
  ...GRAPHQL_CONTRACTS,
  createInstrument,
  changeInstrumentStatus,
  failoverInstrumentBook,
  moveInstrumentBook,
  runBookCommands,
  getFees,
  getMetrics,
  replayJournal,
  ...AUTH_CONTRACTS,
  ...BALANCE_CONTRACTS,
  getMyStatement,
  ...ORDER_CONTRACTS,
  ...HISTORY_CONTRACTS,
  ...CONFIG_CONTRACTS,
  ...SCHEMA_CONTRACTS,
  ...DEAD_LETTER_CONTRACTS,
  ...RECOVERY_CONTRACTS,
] as const;

export interface DocumentOptions {
  /** Release version (`API_VERSION`). */
  version: string;
  /** `ENVIRONMENT`, shown with the server. */
  environment: string;
  /** The origin serving the API (the request's, when served). */
  serverUrl: string;
  /** `OIDC_ISSUER`, when configured. */
  oidcIssuer?: string;
}

const TAGS = [
  { name: "system", description: "Clock, health, trading sessions and this document." },
  { name: "market data", description: "Instruments, books, trades, tickers and candles; public and edge-cached." },
  {
    name: "operator",
    description: "Listing, status changes, direct book commands, accounts, funds and kill switches (admin scope).",
  },
  { name: "auth", description: "Access and refresh tokens, revocation, signing keys (JWKS)." },
  {
    name: "accounts",
    description: "The caller's account, API keys, balances and ledger; operator account creation.",
  },
  {
    name: "orders",
    description:
      "Order entry for the caller's account: place (one or a batch), amend, cancel, cancel all, the dead-man " +
      "timer, orders, fills, and the outcome of a request by its Idempotency-Key.",
  },
];

type Document = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** The document of everything registered in `app`'s OpenAPI registry. */
export function openApiDocument(
  app: { getOpenAPI31Document: OpenAPIHono["getOpenAPI31Document"] },
  options: DocumentOptions,
): Document {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Platform3 Edge API",
      version: options.version,
      description:
        "A trading API on Cloudflare Workers. JSON in snake_case, decimal strings for prices and sizes, " +
        "RFC 3339 plus epoch milliseconds for time, and RFC 9457 problem details (`application/problem+json`) " +
        "with a stable `code` for every error. Each operation declares the scope it needs (`x-scope`: public, " +
        "read, trade, transfer or admin) and its rate-limit class (`x-route-class`).",
    },
    servers: [{ url: options.serverUrl, description: options.environment }],
    tags: TAGS,
  });
  doc.components = { ...doc.components, securitySchemes: securitySchemes(options.oidcIssuer) };
  return doc;
}

/** The document of {@link API_CONTRACTS}, built without the app (no handlers, no bindings). */
export function contractDocument(options: DocumentOptions): Document {
  const app = new OpenAPIHono();
  for (const contract of API_CONTRACTS) {
    app.openAPIRegistry.registerPath({ ...contract, path: `${API_PREFIX}${contract.path}` });
  }
  return openApiDocument(app, options);
}
