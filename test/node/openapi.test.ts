/**
 * The OpenAPI document, built from the route contracts (no handlers, no
 * bindings), is a valid OpenAPI 3.1 document and every operation declares a
 * scope. `workers/api/openapi/openapi.test.ts` checks that the Worker serves
 * exactly this document. (The validator reads its meta-schemas from disk,
 * which workerd cannot, hence Node.)
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { SCOPES } from "../../workers/api/auth-context.ts";
import { X_ROUTE_CLASS, X_SCOPE } from "../../workers/api/openapi/define.ts";
import { API_CONTRACTS, contractDocument } from "../../workers/api/openapi/document.ts";

const OPTIONS = { version: "0.1.0", environment: "test", serverUrl: "https://api.example.com" };
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

type Operation = Record<string, unknown> & { security?: Array<Record<string, string[]>> };

function operations(doc: ReturnType<typeof contractDocument>): Array<[string, string, Operation]> {
  const out: Array<[string, string, Operation]> = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as Operation | undefined;
      if (op) out.push([method, path, op]);
    }
  }
  return out;
}

describe("OpenAPI document", () => {
  const doc = contractDocument(OPTIONS);

  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has info, servers and the three kinds of credentials", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Platform3 Edge API", version: "0.1.0" });
    expect(doc.servers).toEqual([{ url: "https://api.example.com", description: "test" }]);
    const schemes = doc.components?.securitySchemes ?? {};
    expect(schemes.bearer).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(schemes.oidc).toMatchObject({ type: "openIdConnect" });
    const headers = Object.values(schemes)
      .filter((s) => "type" in s && s.type === "apiKey")
      .map((s) => ("name" in s ? s.name : ""));
    expect(headers.sort()).toEqual(["X-P3-Key", "X-P3-Nonce", "X-P3-Signature", "X-P3-Timestamp"]);
  });

  it("declares a scope and a route class on every operation, and security to match", () => {
    const ops = operations(doc);
    expect(ops.length).toBe(API_CONTRACTS.length);
    for (const [method, path, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      const scope = op[X_SCOPE];
      expect([...SCOPES, "public"], where).toContain(scope);
      expect(typeof op[X_ROUTE_CLASS], where).toBe("string");
      expect(typeof op.operationId, where).toBe("string");
      if (scope === "public") {
        expect(op.security, where).toEqual([]);
      } else {
        // Any one of the three credentials, each carrying the scope.
        expect(
          op.security?.map((req) => Object.entries(req).find(([, s]) => s.length > 0)?.[1]),
          where,
        ).toEqual([[scope], [scope], [scope]]);
      }
    }
  });

  it("documents problem+json errors and the common headers", () => {
    const book = doc.paths?.["/v1/instruments/{symbol}/book"]?.get as Operation & {
      responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
    };
    expect(Object.keys(book.responses).sort()).toEqual(["200", "400", "404"]);
    expect(Object.keys(book.responses["400"]?.content ?? {})).toEqual(["application/problem+json"]);
    expect(Object.keys(book.responses["200"]?.headers ?? {})).toEqual([
      "X-Request-Id",
      "traceparent",
      "X-Trading-Session",
    ]);
    expect(doc.components?.schemas?.Problem).toBeDefined();
  });

  it("marks the operator routes admin and the market data public", () => {
    const scopes = Object.fromEntries(operations(doc).map(([m, p, op]) => [`${m.toUpperCase()} ${p}`, op[X_SCOPE]]));
    expect(scopes).toMatchObject({
      "GET /v1/time": "public",
      "GET /v1/sessions": "public",
      "GET /v1/instruments/{symbol}/book": "public",
      "GET /v1/ws": "public",
      "POST /v1/admin/instruments": "admin",
      "PATCH /v1/admin/instruments/{symbol}": "admin",
      "POST /v1/admin/books/{symbol}/commands": "admin",
    });
  });
});
