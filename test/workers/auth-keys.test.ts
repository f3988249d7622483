import { describe, expect, it } from "vitest";
import {
  bearer,
  call,
  createAccount,
  expectProblem,
  OPERATOR,
  postJson,
  tokenFor,
  uniqueAccount,
} from "./auth-helpers.ts";

interface KeyView {
  id: string;
  name: string | null;
  kind: string;
  scopes: string[];
  ip_allowlist: string[] | null;
  expires_at: string | null;
  status: string;
  secret?: string;
}

const LISTED_FIELDS = [
  "created_at",
  "expires_at",
  "id",
  "ip_allowlist",
  "kind",
  "last_used_at",
  "name",
  "scopes",
  "status",
];

async function session(scopes: ("read" | "trade" | "transfer" | "admin")[] = ["read", "trade"]) {
  const a = await createAccount(scopes);
  const t = await tokenFor(a.keyId, a.secret);
  return { ...a, token: t.access_token, auth: bearer(t.access_token) };
}

describe("API keys of the caller's account", () => {
  it("creates a key (secret shown once), lists keys without secrets, revokes one", async () => {
    const me = await session(["read", "trade"]);
    const expiresAt = new Date(Date.now() + 365 * 86_400_000);
    expiresAt.setUTCMilliseconds(0);
    const res = await postJson(
      "/v1/accounts/me/api-keys",
      {
        name: "bot 1",
        scopes: ["trade", "read", "read"],
        ip_allowlist: ["10.0.0.0/8"],
        expires_at: expiresAt.toISOString(),
      },
      me.auth,
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const created = await res.json<KeyView>();
    expect(created).toMatchObject({
      name: "bot 1",
      kind: "secret",
      scopes: ["read", "trade"],
      ip_allowlist: ["10.0.0.0/8"],
      expires_at: expiresAt.toISOString(),
      status: "active",
    });
    expect(created.id).toMatch(new RegExp(`^k_${me.account}_[0-9a-f]{24}$`));
    expect(created.secret).toMatch(/^s_[A-Za-z0-9_-]{43}$/);

    const list = await call("/v1/accounts/me/api-keys", { headers: me.auth });
    expect(list.status).toBe(200);
    const { api_keys } = await list.json<{ api_keys: KeyView[] }>();
    expect(api_keys.map((k) => k.id)).toEqual([me.keyId, created.id]);
    for (const k of api_keys) expect(Object.keys(k).sort()).toEqual(LISTED_FIELDS);
    expect(JSON.stringify(api_keys)).not.toContain(created.secret);

    const del = await call(`/v1/accounts/me/api-keys/${created.id}`, { method: "DELETE", headers: me.auth });
    expect(del.status).toBe(204);
    const after = await (await call("/v1/accounts/me/api-keys", { headers: me.auth })).json<{ api_keys: KeyView[] }>();
    expect(after.api_keys.map((k) => k.id)).toEqual([me.keyId]);
    // Revoking again is a 404.
    await expectProblem(
      await call(`/v1/accounts/me/api-keys/${created.id}`, { method: "DELETE", headers: me.auth }),
      404,
      "api_key_not_found",
    );
  });

  it("a new key's scopes must be among the caller's (403 naming the scope)", async () => {
    const me = await session(["read", "trade"]);
    const res = await postJson("/v1/accounts/me/api-keys", { scopes: ["read", "transfer"] }, me.auth);
    const body = await expectProblem(res, 403, "missing_scope");
    expect(body.scope).toBe("transfer");
    expect(res.headers.get("www-authenticate")).toMatch(/error="insufficient_scope", scope="transfer"/);
  });

  it("revoking a key needs every scope it has", async () => {
    const me = await session(["read", "trade"]);
    const reader = await (await postJson("/v1/accounts/me/api-keys", { scopes: ["read"] }, me.auth)).json<KeyView>();
    const readerToken = await tokenFor(reader.id, reader.secret as string);
    // The read-only key cannot revoke the trading key...
    const res = await call(`/v1/accounts/me/api-keys/${me.keyId}`, {
      method: "DELETE",
      headers: bearer(readerToken.access_token),
    });
    expect((await expectProblem(res, 403, "missing_scope")).scope).toBe("trade");
    // ...but can revoke itself.
    const self = await call(`/v1/accounts/me/api-keys/${reader.id}`, {
      method: "DELETE",
      headers: bearer(readerToken.access_token),
    });
    expect(self.status).toBe(204);
  });

  it("another account's key id is 404, never 403, and stays untouched", async () => {
    const alice = await session();
    const bob = await session();
    for (const id of [bob.keyId, `k_${bob.account}_${"0".repeat(24)}`, "k_nobody_123", "garbage"]) {
      await expectProblem(
        await call(`/v1/accounts/me/api-keys/${id}`, { method: "DELETE", headers: alice.auth }),
        404,
        "api_key_not_found",
      );
    }
    // Bob's key still works.
    expect((await tokenFor(bob.keyId, bob.secret)).api_key_id).toBe(bob.keyId);
    // Listing shows only one's own keys.
    const aliceKeys = await (await call("/v1/accounts/me/api-keys", { headers: alice.auth })).json<{
      api_keys: KeyView[];
    }>();
    expect(aliceKeys.api_keys.map((k) => k.id)).toEqual([alice.keyId]);
  });

  it("validates the new key: scopes, IP entries, expiry, unknown fields", async () => {
    const me = await session();
    const bad = async (body: unknown, pattern: RegExp) => {
      const problem = await expectProblem(
        await postJson("/v1/accounts/me/api-keys", body, me.auth),
        400,
        "invalid_request",
      );
      expect(problem.detail).toMatch(pattern);
    };
    await bad({ scopes: [] }, /at least one scope/);
    await bad({ scopes: ["root"] }, /scope must be one of/);
    await bad({ scopes: ["read"], ip_allowlist: ["10.0.0.0/33", "nope"] }, /10\.0\.0\.0\/33, nope/);
    await bad({ scopes: ["read"], expires_at: "2001-01-01T00:00:00Z" }, /future/);
    await bad({ scopes: ["read"], expires_at: Date.now() + 6 * 365 * 86_400_000 }, /five years/);
    await bad({ scopes: ["read"], expires_at: "tomorrow" }, /RFC 3339/);
    await bad({ scopes: ["read"], owner: "x" }, /owner|unrecognized/i);
  });

  it("GET /v1/accounts/me describes the caller", async () => {
    const me = await session(["read"]);
    const res = await call("/v1/accounts/me", { headers: me.auth });
    expect(await res.json()).toMatchObject({
      account_id: me.account,
      scopes: ["read"],
      via: "access_token",
      api_key_id: me.keyId,
      created_at: expect.any(String),
    });
    await expectProblem(await call("/v1/accounts/me"), 401, "unauthorized");
  });

  it("key routes need authentication and the read scope to list", async () => {
    const res = await call("/v1/accounts/me/api-keys");
    await expectProblem(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="platform3"');
    const trader = await session(["trade"]);
    expect(
      (await expectProblem(await call("/v1/accounts/me/api-keys", { headers: trader.auth }), 403, "missing_scope"))
        .scope,
    ).toBe("read");
    const reader = await session(["read"]);
    const put = await call("/v1/accounts/me/api-keys", { method: "PUT", headers: reader.auth });
    await expectProblem(put, 405, "method_not_allowed");
    expect(put.headers.get("allow")).toMatch(/GET.*POST|POST.*GET/);
  });
});

describe("POST /v1/admin/accounts (operator bootstrap)", () => {
  it("creates an account and its first key with the operator token (break-glass)", async () => {
    const id = uniqueAccount("boot");
    const res = await postJson(
      "/v1/admin/accounts",
      { account_id: id, name: "First admin", api_key: { scopes: ["read", "admin"] } },
      { authorization: OPERATOR },
    );
    expect(res.status).toBe(201);
    const body = await res.json<{ account: { account_id: string; name: string }; api_key: KeyView }>();
    expect(body.account).toMatchObject({ account_id: id, name: "First admin" });
    expect(body.api_key).toMatchObject({ scopes: ["read", "admin"], kind: "secret" });
    expect(body.api_key.secret).toMatch(/^s_/);

    // That admin key creates further accounts, without the operator token; a generated id when none is given.
    const admin = await tokenFor(body.api_key.id, body.api_key.secret as string);
    const next = await postJson("/v1/admin/accounts", { name: "Trader" }, bearer(admin.access_token));
    expect(next.status).toBe(201);
    const trader = await next.json<{ account: { account_id: string }; api_key: KeyView }>();
    expect(trader.account.account_id).toMatch(/^acct-[0-9a-f]{16}$/);
    expect(trader.api_key.scopes).toEqual(["read", "trade"]);

    // An existing id is a conflict.
    await expectProblem(
      await postJson("/v1/admin/accounts", { account_id: id }, bearer(admin.access_token)),
      409,
      "account_exists",
    );
  });

  it("refuses callers without the admin scope, a wrong operator token, and bad account ids", async () => {
    const trader = await session(["read", "trade"]);
    const res = await postJson("/v1/admin/accounts", {}, trader.auth);
    expect((await expectProblem(res, 403, "missing_scope")).scope).toBe("admin");
    await expectProblem(
      await postJson("/v1/admin/accounts", {}, { authorization: "Bearer wrong-operator-token" }),
      401,
      "unauthorized",
    );
    await expectProblem(await postJson("/v1/admin/accounts", {}), 401, "unauthorized");
    await expectProblem(
      await postJson("/v1/admin/accounts", { account_id: "has_underscore" }, { authorization: OPERATOR }),
      400,
      "invalid_request",
    );
  });

  it("issues another key for an existing account (the terminal's demo sign-in), never admin, never for a stranger", async () => {
    const owner = await createAccount(["read", "trade"]);
    const res = await postJson(
      `/v1/admin/accounts/${owner.account}/api-keys`,
      { name: "terminal demo", scopes: ["read", "trade"] },
      { authorization: OPERATOR },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const issued = await res.json<KeyView>();
    expect(issued).toMatchObject({ name: "terminal demo", scopes: ["read", "trade"], status: "active" });
    // The key trades as the account it was issued for.
    const t = await tokenFor(issued.id, issued.secret ?? "");
    const me = await (await call("/v1/accounts/me", { headers: bearer(t.access_token) })).json<{
      account_id: string;
    }>();
    expect(me.account_id).toBe(owner.account);

    await expectProblem(
      await postJson(
        `/v1/admin/accounts/${owner.account}/api-keys`,
        { scopes: ["admin"] },
        { authorization: OPERATOR },
      ),
      400,
      "invalid_request",
    );
    await expectProblem(
      await postJson(
        `/v1/admin/accounts/${uniqueAccount("never")}/api-keys`,
        { scopes: ["read"] },
        { authorization: OPERATOR },
      ),
      404,
      "account_not_found",
    );
    const trader = await session(["read", "trade"]);
    await expectProblem(
      await postJson(`/v1/admin/accounts/${owner.account}/api-keys`, { scopes: ["read"] }, trader.auth),
      403,
      "missing_scope",
    );
  });
});
