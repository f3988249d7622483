import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API_CONTRACTS } from "./openapi/document.ts";
import { type DeclaredRoute, RouteTable } from "./routing.ts";

const route = (method: string, path: string): DeclaredRoute => ({
  method,
  path,
  operationId: `${method} ${path}`,
  scope: "public",
  routeClass: "system",
  query: [],
  body: false,
});

describe("RouteTable", () => {
  const table = new RouteTable([
    route("GET", "/v1/instruments/{symbol}"),
    route("GET", "/v1/instruments/search"),
    route("PATCH", "/v1/instruments/{symbol}"),
    route("GET", "/v1/time"),
  ]);

  it("matches method and template, static segments before parameters, HEAD as GET", () => {
    expect(table.match("GET", "/v1/instruments/search")?.path).toBe("/v1/instruments/search");
    expect(table.match("GET", "/v1/instruments/BTC-USD")?.path).toBe("/v1/instruments/{symbol}");
    expect(table.match("HEAD", "/v1/time")?.method).toBe("GET");
    expect(table.match("PATCH", "/v1/instruments/BTC-USD")?.method).toBe("PATCH");
    expect(table.match("GET", "/v1/instruments/BTC-USD/book")).toBeUndefined();
    expect(table.match("GET", "/v1/time/")).toBeUndefined();
  });

  it("lists the methods of a path", () => {
    expect(table.allowed("/v1/instruments/BTC-USD").sort()).toEqual(["GET", "HEAD", "PATCH"]);
    expect(table.allowed("/v1/nope")).toEqual([]);
  });

  it("refuses registry routes without a declared scope", () => {
    expect(() =>
      RouteTable.fromDefinitions([{ type: "route", route: { method: "get", path: "/v1/undeclared" } }]),
    ).toThrow(/declares no scope/);
  });
});

describe("405 Method Not Allowed", () => {
  // One request per declared route (about 80), one after another: slow on a loaded machine.
  it("answers every declared path with a wrong method, naming the allowed ones", { timeout: 60_000 }, async () => {
    for (const contract of API_CONTRACTS) {
      const path = `/v1${contract.path.replace("{symbol}", "BTC-USD")}`;
      // A method no contract of this path uses.
      const method = API_CONTRACTS.some((c) => c.path === contract.path && c.method === "put") ? "PATCH" : "PUT";
      const res = await exports.default.fetch(`http://platform3.test${path}`, {
        method,
        headers: { authorization: `Bearer ${env.OPERATOR_TOKEN}` },
      });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const allow = res.headers.get("allow") ?? "";
      expect(allow.split(", "), `${method} ${path}`).toContain(contract.method.toUpperCase());
      expect(await res.json()).toMatchObject({ code: "method_not_allowed", status: 405 });
    }
  });
});
