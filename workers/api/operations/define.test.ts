/**
 * `invoke`, the entry of the adapters that do not pass through the REST route
 * chain (GraphQL, Connect): scope first (401, 403), then the operation's input
 * schema (400 naming each field, nothing run), then `run`; and `problemOf`,
 * which reads a thrown problem back for those adapters.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Env } from "../env.ts";
import { problemException } from "../problem.ts";
import type { OperationContext } from "./context.ts";
import { defineOperation, invoke } from "./define.ts";
import { problemOf } from "./errors.ts";

let runs = 0;
const echo = defineOperation({
  name: "test.echo",
  scope: "trade",
  routeClass: "order_entry",
  idempotency: "key",
  input: z.object({ size: z.string().regex(/^[0-9]+$/, "size must be digits") }).strict(),
  async run(_ctx, input) {
    runs++;
    return input;
  },
});

const ctx = (scopes: ("read" | "trade")[] | undefined): OperationContext => ({
  env: {} as Env,
  caller: scopes && { account: "acct-1", scopes, via: "access_token" },
  instance: "/v1/graphql",
});

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  const raised = await problemOf(err);
  if (!raised) throw new Error(`not a problem: ${String(err)}`);
  return raised;
}

describe("invoke", () => {
  it("runs the operation on its parsed input", async () => {
    expect(await invoke(echo, ctx(["trade"]), { size: "5" })).toEqual({ size: "5" });
  });

  it("refuses a caller without credentials (401) or without the scope (403) before parsing", async () => {
    const before = runs;
    const anonymous = await refusal(invoke(echo, ctx(undefined), { size: "x" }));
    expect(anonymous.problem).toMatchObject({ code: "unauthorized", status: 401 });
    expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer realm="platform3"/);
    const reader = await refusal(invoke(echo, ctx(["read"]), { size: "5" }));
    expect(reader.problem).toMatchObject({ code: "missing_scope", status: 403, scope: "trade" });
    expect(runs).toBe(before);
  });

  it("refuses input that fails the schema with invalid_request naming each field, and runs nothing", async () => {
    const before = runs;
    const bad = await refusal(invoke(echo, ctx(["trade"]), { size: "x", extra: 1 }));
    expect(bad.problem).toMatchObject({ code: "invalid_request", status: 400, instance: "/v1/graphql" });
    expect(bad.problem.errors).toEqual([
      { field: "size", message: "size must be digits" },
      { field: "arguments", message: expect.stringMatching(/extra/) },
    ]);
    expect(runs).toBe(before);
  });
});

describe("problemOf", () => {
  it("reads a problem's code, members and headers, and nothing from other errors", async () => {
    const raised = await problemOf(
      problemException("order_status_unknown", "retry", { headers: { "retry-after": "1" }, extensions: { a: 1 } }),
    );
    expect(raised?.problem).toMatchObject({ code: "order_status_unknown", status: 503, detail: "retry", a: 1 });
    expect(raised?.headers["retry-after"]).toBe("1");
    expect(await problemOf(new Error("boom"))).toBeUndefined();
  });
});
