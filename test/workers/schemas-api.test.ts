/** `GET /v1/schemas`: public, one entry per event type and version, each with its body's JSON Schema. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { publishedSchemas } from "../../shared/events/json-schema.ts";

const URL = "http://platform3.test/v1/schemas";
const headers = { "cf-connecting-ip": "198.19.11.1" };

describe("GET /v1/schemas", () => {
  it("lists every type and version without credentials, sorted, with its JSON Schema", async () => {
    const res = await exports.default.fetch(URL, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const list = (await res.json()) as Array<{
      schema: string;
      version: number;
      type: string;
      stream: string;
      json_schema: Record<string, unknown>;
    }>;
    expect(list.map((s) => `${s.schema}@${s.version}`)).toEqual([
      "account.fill@1",
      "account.ledger_entry@1",
      "account.order@1",
      "book.accepted@1",
      "book.amended@1",
      "book.done@1",
      "book.level@1",
      "book.reduced@1",
      "book.stop_triggered@1",
      "book.trade@1",
    ]);
    const trade = list.find((s) => s.schema === "book.trade");
    expect(trade).toMatchObject({ stream: "book", type: "trade", version: 1 });
    expect(trade?.json_schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "urn:platform3:event:book.trade:v1",
      type: "object",
    });
    expect(trade?.json_schema.required).toEqual(
      expect.arrayContaining(["trade_id", "price", "size", "aggressor_side", "maker_order_id", "taker_order_id"]),
    );
    // What the served list says is the registry's, byte for byte.
    expect(list).toEqual(publishedSchemas());
  });

  it("refuses query parameters it does not declare", async () => {
    const res = await exports.default.fetch(`${URL}?stream=book`, { headers });
    expect(res.status).toBe(400);
    expect((await res.json()) as { code: string }).toMatchObject({ code: "invalid_request" });
  });
});
