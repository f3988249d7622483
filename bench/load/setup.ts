/**
 * What an operator does before the load: list the instruments, create the
 * accounts with an API key each, fund them, and get each trader a token.
 * Every trader has its own client IP (`cf-connecting-ip`, which Cloudflare's
 * edge sets), as traders on their own machines would.
 */
import type { CreatedAccount, Tokens } from "../../test/client/index.ts";
import { Http } from "../../test/client/index.ts";
import { testInstrument } from "../../test/instrument-spec.ts";

export const OPERATOR = { authorization: `Bearer ${process.env.OPERATOR_TOKEN ?? "dev-operator-token"}` };

/** The run's HTTP client: no edge cache, `headers` on every request, 30 s per request (then status 0). */
export function client(base: string, headers: Record<string, string> = {}): Http {
  return new Http({ base, headers: { "cache-control": "no-cache", ...headers }, timeoutMs: 30_000 });
}
export const QUOTE = "USD";
/** Mid price every instrument trades around, in ticks of 0.01. */
export const MID_TICKS = 10_000;

export interface Trader {
  account: string;
  /** Headers of every request: bearer token and client IP. */
  headers: Record<string, string>;
  /** A client sending them. */
  http: Http;
  token: string;
  via: "http" | "ws";
}

/** Per asset: what every account was given (decimal strings). */
export type Deposits = Map<string, string>;

export function instrumentSymbols(run: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `L${run}${i + 1}-${QUOTE}`);
}

export async function listInstruments(base: string, symbols: readonly string[]): Promise<void> {
  const admin = client(base, OPERATOR);
  for (const symbol of symbols) await admin.expect("POST", "/v1/admin/instruments", testInstrument(symbol));
}

/** Creates and funds `count` accounts (ids `load-<run>-<i>`), half trading over HTTP and half over WebSocket. */
export async function createTraders(
  base: string,
  run: string,
  count: number,
  symbols: readonly string[],
): Promise<{ traders: Trader[]; deposits: Deposits }> {
  const deposits: Deposits = new Map([
    [QUOTE, "1000000"],
    ...symbols.map((s) => [s.split("-")[0] as string, "10000"] as const),
  ]);
  const traders: Trader[] = [];
  const admin = client(base, OPERATOR);
  const one = async (i: number): Promise<Trader> => {
    const account = `load-${run}-${i}`;
    const ip = { "cf-connecting-ip": `10.${run.length}.${Math.floor(i / 250)}.${(i % 250) + 1}` };
    const created = await admin.expect<CreatedAccount>("POST", "/v1/admin/accounts", {
      account_id: account,
      name: `Load ${i}`,
      api_key: { name: "load", scopes: ["read", "trade"] },
    });
    for (const [asset, amount] of deposits) {
      await admin.expect("POST", `/v1/admin/accounts/${account}/deposits`, {
        asset,
        amount,
        reference: `load-${asset}`,
      });
    }
    const tokens = await client(base, ip).expect<Tokens>("POST", "/v1/auth/token", {
      api_key: created.api_key.id,
      api_secret: created.api_key.secret,
    });
    const headers = { ...ip, authorization: `Bearer ${tokens.access_token}` };
    return {
      account,
      token: tokens.access_token,
      headers,
      http: client(base, headers),
      via: i % 2 === 0 ? "http" : "ws",
    };
  };
  for (let i = 0; i < count; i += 8) {
    traders.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => one(i + k)))));
  }
  return { traders, deposits };
}

/** Whether the Worker was built with the fault routes (404: it was not); `symbol` is a listed book. */
export async function faultRoutesMounted(base: string, symbol: string): Promise<boolean> {
  const a = await client(base, OPERATOR).call("POST", "/v1/faults", {
    target: "book",
    id: symbol,
    kind: "resend",
    events: 1,
  });
  if (a.status !== 200 && a.status !== 404) throw new Error(`POST /v1/faults: ${a.status} ${a.text}`);
  return a.status === 200;
}
