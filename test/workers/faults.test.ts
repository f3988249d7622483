/**
 * Fault injection is off unless a build asks for it (`FAULT_ROUTES`, set only by
 * `npm run bench:load -- --faults`, which exercises it): here, as in every
 * deployment, the route does not exist and the objects refuse to crash or resend.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountStub } from "../../durable-objects/account/stub.ts";
import { fundedAccount } from "./account-helpers.ts";
import { OPERATOR } from "./auth-helpers.ts";
import { freshBook, testInstrument } from "./book-helpers.ts";

describe("fault injection, switched off", () => {
  it("has no route", async () => {
    const res = await exports.default.fetch("http://platform3.test/v1/faults", {
      method: "POST",
      headers: { authorization: OPERATOR, "content-type": "application/json" },
      body: JSON.stringify({ target: "book", id: "BTC-USD", kind: "abort" }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not_found");
  });

  it("leaves books and accounts running when asked to crash or resend", async () => {
    const book = await freshBook(testInstrument("FLT-USD"));
    expect(await book.suffer({ kind: "abort" })).toEqual({ ok: false, code: "faults_disabled" });
    expect(await book.suffer({ kind: "resend", events: 10 })).toEqual({ ok: false, code: "faults_disabled" });
    expect(await book.outboxSize()).toBe(0);

    const account = await fundedAccount("fault-off", { USD: "10" });
    const stub = accountStub(env.ACCOUNT, account);
    expect(await stub.suffer({ kind: "abort" })).toEqual({ ok: false, code: "faults_disabled" });
    expect(await stub.balances(account)).toMatchObject({ balances: [{ asset: "USD", total: "10.00000000" }] });
  });
});
