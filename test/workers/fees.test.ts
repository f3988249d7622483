/**
 * The exchange's fees account: every fill's fee reaches it once, whatever the
 * number of reports, and the operator reads it per asset and instrument.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { FEES_NAME } from "../../durable-objects/fees/index.ts";
import { fundedAccount } from "./account-helpers.ts";
import { listInstrument, testInstrument } from "./book-helpers.ts";

function funded(account: string, asset: string, amount: string): Promise<string> {
  return fundedAccount(account, { [asset]: amount });
}

const operator = { authorization: "Bearer test-operator-token", "cf-connecting-ip": "198.19.7.1" };

describe("fees account", () => {
  it("collects maker and taker fees once per fill, per asset and instrument", async () => {
    await listInstrument(testInstrument("FEEA-USD", { maker_fee_bps: 10, taker_fee_bps: 20 }));
    await funded("fee-maker", "FEEA", "10");
    await funded("fee-taker", "USD", "10000");
    const place = (account: string, id: string, side: "buy" | "sell", price: string) =>
      accountStub(env.ACCOUNT, account).placeOrder(account, {
        client_order_id: id,
        instrument: "FEEA-USD",
        side,
        type: "limit",
        price,
        size: "2",
      });
    await place("fee-maker", "ask", "sell", "500.00");
    await place("fee-taker", "bid", "buy", "500.00");
    // Reports are coalesced (one a second at most); the alarm retries a lost one.
    for (let i = 0; i < 120; i++) {
      await runDurableObjectAlarm(accountStub(env.ACCOUNT, "fee-maker"));
      const summary = await env.FEES.getByName(FEES_NAME).summary();
      if (summary.sources === 2) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // 1000 USD notional: taker 2.00, maker 1.00.
    const res = await exports.default.fetch("http://platform3.test/v1/admin/fees", { headers: operator });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      assets: [{ asset: "USD", collected: "3.00000000" }],
      instruments: [{ instrument: "FEEA-USD", asset: "USD", collected: "3.00000000" }],
      sources: 2,
    });
    // A repeated or stale report changes nothing.
    await env.FEES.getByName(FEES_NAME).report("fee-maker", 1, [{ instrument: "FEEA-USD", asset: "USD", total: "1" }]);
    expect((await env.FEES.getByName(FEES_NAME).summary()).assets).toEqual([{ asset: "USD", collected: "3.00000000" }]);
  });

  it("is for operators only", async () => {
    const res = await exports.default.fetch("http://platform3.test/v1/admin/fees", {
      headers: { "cf-connecting-ip": "198.19.7.2" },
    });
    expect(res.status).toBe(401);
  });
});
