/** Helpers for tests that drive OrderBook objects directly. */
import { env } from "cloudflare:workers";
import { registryStub } from "../../durable-objects/instrument-registry/index.ts";
import type { OrderBook } from "../../durable-objects/order-book/index.ts";
import type { BookCommand } from "../../shared/book/commands.ts";
import type { Instrument } from "../../shared/instruments/schema.ts";

export { testInstrument } from "../instrument-spec.ts";

/** A book object of its own (not through the registry) configured with `spec`. */
export async function freshBook(spec: Instrument, name = spec.symbol): Promise<DurableObjectStub<OrderBook>> {
  const stub = env.ORDER_BOOK.get(env.ORDER_BOOK.idFromName(name));
  await stub.configure(spec);
  return stub;
}

/** Lists an instrument through the registry (which configures its book). */
export async function listInstrument(spec: Instrument): Promise<void> {
  const result = await registryStub(env.INSTRUMENTS).create(spec);
  if (!result.ok && result.code !== "instrument_exists") throw new Error(result.message);
}

export const place = (
  order_id: string,
  account: string,
  side: "buy" | "sell",
  price: string,
  size: string,
  extra: Partial<Extract<BookCommand, { type: "place" }>> = {},
): BookCommand => ({ type: "place", order_id, account, side, order_type: "limit", price, size, ...extra });

export const cancel = (order_id: string, account?: string): BookCommand => ({ type: "cancel", order_id, account });

/** A deterministic mixed stream: resting orders on both sides, crossing orders, cancels and amends. */
export function mixedStream(n: number, seed = 7): BookCommand[] {
  let x = seed;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  const out: BookCommand[] = [];
  for (let i = 1; i <= n; i++) {
    const r = rand(10);
    const account = `acct-${rand(5)}`;
    if (r < 6) {
      const side = rand(2) === 0 ? "buy" : "sell";
      const offset = rand(8) - (side === "buy" ? 5 : 2);
      const price = (100 + (side === "buy" ? -offset : offset) / 100).toFixed(2);
      out.push(place(`o${i}`, account, side, price, `${1 + rand(5)}.${rand(10)}`));
    } else if (r < 8) {
      out.push(cancel(`o${1 + rand(i)}`));
    } else if (r < 9) {
      out.push({ type: "amend", order_id: `o${1 + rand(i)}`, size: "0.5" });
    } else {
      out.push({
        type: "place",
        order_id: `o${i}`,
        account,
        side: rand(2) === 0 ? "buy" : "sell",
        order_type: "market",
        size: "2",
      });
    }
  }
  return out;
}
