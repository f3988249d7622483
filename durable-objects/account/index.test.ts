import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { accountOfKeyId, accountOfRefreshToken, newKeyId, newRefreshToken } from "../../shared/auth/ids.ts";
import { accountStub } from "./stub.ts";

const tables = (account: string) =>
  runInDurableObject(accountStub(env.ACCOUNT, account), async (_obj, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name),
  );

describe("Account object", () => {
  it("key ids and refresh tokens carry their account", () => {
    const id = newKeyId("acct-1.a");
    expect(id).toMatch(/^k_acct-1\.a_[0-9a-f]{24}$/);
    expect(accountOfKeyId(id)).toBe("acct-1.a");
    expect(accountOfRefreshToken(newRefreshToken("acct-1.a"))).toBe("acct-1.a");
    expect(accountOfKeyId("k_a_b_000000000000000000000000")).toBeUndefined();
    expect(accountOfKeyId("k_acct_xyz")).toBeUndefined();
  });

  it("answers unknown credentials without writing storage (no schema for guessed accounts)", async () => {
    const account = `ghost-${Date.now()}`;
    const stub = accountStub(env.ACCOUNT, account);
    const keyId = `k_${account}_${"0".repeat(24)}`;
    expect(
      await stub.grantWithSecret(account, { key_id: keyId, secret: "s", ip: undefined }, { refresh_ms: 1000 }),
    ).toMatchObject({
      ok: false,
      reason: "invalid_credentials",
    });
    expect(await stub.familyStatus(account, "f_x", keyId)).toBe("refused");
    expect(await stub.listKeys(account)).toEqual([]);
    expect(await stub.describe(account)).toBeNull();
    expect(await tables(account)).toEqual([]);
  });

  it("creates its schema with the first key, and never stores the secret", async () => {
    const account = `real-${Date.now()}`;
    const stub = accountStub(env.ACCOUNT, account);
    const key = await stub.createKey(account, { scopes: ["read"] });
    if ("ok" in key) throw new Error(key.message);
    expect(key.id.startsWith(`k_${account}_`)).toBe(true);
    expect((await tables(account)).sort()).toEqual([
      "account",
      "account_events",
      "api_keys",
      "book_cursors",
      "fills",
      "ledger_balances",
      "ledger_entries",
      "ledger_fills",
      "ledger_holds",
      "ledger_transactions",
      "nonces",
      "orders",
      "refresh_families",
      "refresh_tokens",
      "requests",
      "stream_out",
      "transfers",
      "user_feed",
      "user_subscribers",
    ]);
    // The secret itself is stored nowhere.
    const stored = await runInDurableObject(stub, async (_obj, state) =>
      JSON.stringify(state.storage.sql.exec("SELECT * FROM api_keys").toArray()),
    );
    expect(stored).not.toContain(key.secret as string);
  });

  it("spends a refresh token once even when two rotations race", async () => {
    const account = `race-${Date.now()}`;
    const stub = accountStub(env.ACCOUNT, account);
    const key = await stub.createKey(account, { scopes: ["read"] });
    if ("ok" in key) throw new Error(key.message);
    const grant = await stub.grantWithSecret(
      account,
      { key_id: key.id, secret: key.secret as string, ip: undefined },
      { refresh_ms: 60_000 },
    );
    if (!grant.ok) throw new Error(grant.message);
    const [x, y] = await Promise.all([
      stub.refresh(account, { token: grant.refresh_token, ip: undefined }, { refresh_ms: 60_000 }),
      stub.refresh(account, { token: grant.refresh_token, ip: undefined }, { refresh_ms: 60_000 }),
    ]);
    expect([x.ok, y.ok].sort()).toEqual([false, true]);
    const refused = (x.ok ? y : x) as { reason: string };
    expect(refused.reason).toBe("refresh_token_reused");
    expect(await stub.familyStatus(account, grant.family, grant.key_id)).toBe("revoked");
  });
});
