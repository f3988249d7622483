/**
 * The schema compatibility check (`npm run schemas:check`): the current registry against
 * the released snapshot, and the checker itself on changes that must pass and must fail.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readReleased } from "../../scripts/schemas-files.ts";
import { checkCompatibility } from "../../shared/events/compat.ts";
import { bodyJsonSchema, type PublishedSchema, publishedSchemas } from "../../shared/events/json-schema.ts";
import type { EventSchema } from "../../shared/events/registry.ts";

const Decimal = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/);
const base = {
  type: z.literal("trade"),
  trade_id: z.number().int().positive(),
  price: Decimal,
  side: z.enum(["buy", "sell"]),
  note: z.string().max(64).optional(),
  maker: z.string().nullable(),
  legs: z.array(z.object({ amount: Decimal, asset: z.string().min(1).max(12) })),
};

const published = (body: z.ZodType, over: Partial<EventSchema> = {}): PublishedSchema => {
  const entry: EventSchema = { schema: "book.trade", version: 1, stream: "book", type: "trade", body, ...over };
  return {
    schema: entry.schema,
    version: entry.version,
    type: entry.type,
    stream: entry.stream,
    json_schema: bodyJsonSchema(entry),
  };
};

const released = [published(z.looseObject(base))];
const problems = (body: z.ZodType, extra: PublishedSchema[] = []) =>
  checkCompatibility(released, [published(body), ...extra]).map((p) => `${p.path}: ${p.problem}`);

describe("schemas:check against the release", () => {
  it("the registry is compatible with shared/events/released.json", () => {
    const snapshot = readReleased();
    expect(snapshot, "shared/events/released.json").toBeDefined();
    expect(checkCompatibility(snapshot?.schemas ?? [], publishedSchemas())).toEqual([]);
  });
});

describe("the compatibility checker", () => {
  it("passes what keeps old events valid and old readers working", () => {
    expect(problems(z.looseObject(base))).toEqual([]);
    // A new optional field, a wider enum, a looser bound, a description.
    expect(
      problems(
        z.looseObject({
          ...base,
          venue: z.string().optional(),
          side: z.enum(["buy", "sell", "cross"]),
          note: z.string().max(256).optional(),
          trade_id: z.number().int().positive().describe("the book's trade id"),
        }),
      ),
    ).toEqual([]);
    // New types and new versions.
    const more = [
      published(z.looseObject({ a: z.string() }), { schema: "book.auction", type: "auction" }),
      published(z.looseObject({ b: z.number() }), { version: 2 }),
    ];
    expect(problems(z.looseObject(base), more)).toEqual([]);
  });

  it("fails a removed field, a retyped one, a newly required one and a narrowed enum", () => {
    const { price: _price, ...withoutPrice } = base;
    expect(problems(z.looseObject(withoutPrice))).toEqual(["price: field removed"]);
    expect(problems(z.looseObject({ ...base, price: z.number() }))).toEqual([
      "price: retyped from string to number",
      // the pattern is gone with the string: loosening, not reported
    ]);
    expect(problems(z.looseObject({ ...base, note: z.string().max(64) }))).toEqual([
      "note: optional field made required",
    ]);
    expect(problems(z.looseObject({ ...base, venue: z.string() }))).toEqual(["venue: required field added"]);
    expect(problems(z.looseObject({ ...base, side: z.enum(["buy"]) }))).toEqual([
      'side: enum narrowed: "sell" removed',
    ]);
    expect(problems(z.looseObject({ ...base, maker: z.string() }))).toEqual([
      "maker: retyped from null|string to string",
    ]);
  });

  it("fails tightened bounds, changed patterns, closed objects and changes inside arrays", () => {
    expect(problems(z.looseObject({ ...base, note: z.string().max(10).optional() }))).toEqual([
      "note: maxLength tightened to 10",
    ]);
    expect(problems(z.looseObject({ ...base, price: z.string().regex(/^[0-9]+$/) }))).toEqual([
      "price: pattern changed",
    ]);
    expect(problems(z.looseObject({ ...base, type: z.literal("fill") }))).toEqual(["type: const changed"]);
    expect(problems(z.strictObject(base))).toEqual([": fields beyond the listed ones are no longer allowed"]);
    const legs = z.array(z.object({ amount: z.number(), asset: z.string().min(1).max(12) }));
    expect(problems(z.looseObject({ ...base, legs }))).toEqual(["legs[].amount: retyped from string to number"]);
  });

  it("fails a released type or version that is gone or moved", () => {
    expect(checkCompatibility(released, [])).toEqual([
      {
        schema: "book.trade",
        version: 1,
        path: "",
        problem: "the type and version was released and is no longer registered",
      },
    ]);
    const moved = published(z.looseObject(base), { stream: "account" });
    expect(checkCompatibility(released, [moved]).map((p) => p.problem)).toEqual([
      "moved from book/trade to account/trade",
    ]);
  });
});
