/**
 * The protobuf definitions (proto/platform3/v1/) and their generated TypeScript
 * (shared/proto/gen/): `npm run proto:check` passes; the breaking-change check refuses a
 * removed or renumbered field; messages keep decimal strings exact through binary and
 * JSON; and every REST field of the OpenAPI contracts has a proto field of the same name
 * and kind, so the two cannot drift apart (docs/grpc.md).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  create,
  type DescEnum,
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonObject,
  ScalarType,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import { buf, RELEASED_IMAGE, ROOT } from "../../scripts/proto-buf.ts";
import { ERROR_CODES } from "../../shared/errors/codes.ts";
import { NewOrderSchema } from "../../shared/orders/input.ts";
import { LedgerEntrySchema } from "../../shared/proto/gen/platform3/v1/account_pb.ts";
import {
  BalanceSchema,
  ErrorCodeSchema,
  FillSchema,
  Liquidity,
  OrderSchema,
  OrderStatus,
  OrderType,
  SelfTradePrevention,
  Side,
  TimeInForce,
} from "../../shared/proto/gen/platform3/v1/common_pb.ts";
import {
  CandleSchema,
  GetBookResponseSchema,
  InstrumentSchema,
  TickerSchema,
  TradeSchema,
  TradingSessionSchema,
} from "../../shared/proto/gen/platform3/v1/market_data_pb.ts";
import { PlaceOrderRequestSchema, PlaceOrderResponseSchema } from "../../shared/proto/gen/platform3/v1/trading_pb.ts";
import { contractDocument } from "../../workers/api/openapi/document.ts";

const BUF_TIMEOUT = 60_000;

describe("proto:check", () => {
  it(
    "passes on the committed definitions and generated code",
    () => {
      const run = spawnSync(process.execPath, ["--experimental-strip-types", "scripts/proto-check.ts"], {
        cwd: ROOT,
        encoding: "utf8",
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("shared/proto/gen up to date");
    },
    BUF_TIMEOUT,
  );
});

describe("the breaking-change check against the released image", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A copy of buf.yaml and proto/ with `edit` applied to one file, checked against the release. */
  function breakingAfter(file: string, edit: (text: string) => string) {
    const dir = mkdtempSync(join(tmpdir(), "proto-breaking-"));
    dirs.push(dir);
    cpSync(join(ROOT, "buf.yaml"), join(dir, "buf.yaml"));
    cpSync(join(ROOT, "proto"), join(dir, "proto"), { recursive: true });
    const path = join(dir, "proto/platform3/v1", file);
    const before = readFileSync(path, "utf8");
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(path, after);
    return buf(["breaking", dir, "--against", join(ROOT, RELEASED_IMAGE)]);
  }

  it(
    "accepts an added field (the copy itself is compatible)",
    () => {
      const r = breakingAfter("common.proto", (t) =>
        t.replace("string hold = 4;\n}", "string hold = 4;\n  // New.\n  string pending = 5;\n}"),
      );
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    },
    BUF_TIMEOUT,
  );

  it(
    "refuses a removed field",
    () => {
      const r = breakingAfter("common.proto", (t) => t.replace("  string fee_asset = 20;\n", ""));
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain('Previously present field "20" with name "fee_asset" on message "Order" was deleted.');
    },
    BUF_TIMEOUT,
  );

  it(
    "refuses a renumbered field",
    () => {
      const r = breakingAfter("trading.proto", (t) =>
        t.replace(
          "string client_order_id = 1;\n  // The instrument",
          "string client_order_id = 13;\n  // The instrument",
        ),
      );
      expect(r.status).not.toBe(0);
      expect(r.stdout).toContain(
        'Previously present field "1" with name "client_order_id" on message "PlaceOrderRequest" was deleted.',
      );
    },
    BUF_TIMEOUT,
  );
});

describe("generated messages", () => {
  // Generated properties are the lowerCamelCase of the proto names; int64 is bigint.
  const placement = create(PlaceOrderRequestSchema, {
    clientOrderId: "bot-7-000123",
    instrument: "BTC-USD",
    side: Side.BUY,
    type: OrderType.LIMIT,
    price: "65000.10",
    size: "0.015000",
    timeInForce: TimeInForce.GTD,
    expireTime: 1_773_232_200_000n,
    postOnly: true,
    stp: SelfTradePrevention.CANCEL_BOTH,
  });

  const order = create(OrderSchema, {
    orderId: "7c0f1e2d",
    clientOrderId: "bot-7-000123",
    instrument: "BTC-USD",
    side: Side.BUY,
    type: OrderType.LIMIT,
    timeInForce: TimeInForce.GTC,
    price: "65000.10",
    size: "0.015000",
    postOnly: false,
    stp: SelfTradePrevention.CANCEL_NEWEST,
    status: OrderStatus.PARTIALLY_FILLED,
    filledSize: "0.005000",
    remainingSize: "0.010000",
    executedValue: "325.00050000",
    averagePrice: "65000.10",
    fees: "-0.00325000",
    feeAsset: "USD",
    stopTriggered: false,
    createdAt: "2026-03-11T12:30:00.000Z",
    createdAtMs: 1_773_232_200_000n,
    updatedAt: "2026-03-11T12:30:00.250Z",
    updatedAtMs: 1_773_232_200_250n,
  });

  it("round-trip a PlaceOrder request through binary and JSON with decimal strings intact", () => {
    const again = fromBinary(PlaceOrderRequestSchema, toBinary(PlaceOrderRequestSchema, placement));
    expect(again).toEqual(placement);
    expect(again.price).toBe("65000.10");
    expect(again.size).toBe("0.015000");
    expect(again.funds).toBeUndefined();

    // With the proto field names, the JSON keys are the REST body's.
    const json = toJson(PlaceOrderRequestSchema, placement, { useProtoFieldName: true }) as JsonObject;
    expect(json).toEqual({
      client_order_id: "bot-7-000123",
      instrument: "BTC-USD",
      side: "SIDE_BUY",
      type: "ORDER_TYPE_LIMIT",
      price: "65000.10",
      size: "0.015000",
      time_in_force: "TIME_IN_FORCE_GTD",
      expire_time: "1773232200000",
      post_only: true,
      stp: "SELF_TRADE_PREVENTION_CANCEL_BOTH",
    });
    expect(fromJson(PlaceOrderRequestSchema, json)).toEqual(placement);
    // The default JSON names (lowerCamelCase) and int64 given as a JSON number are read as well.
    expect(fromJson(PlaceOrderRequestSchema, toJson(PlaceOrderRequestSchema, placement))).toEqual(placement);
    expect(fromJson(PlaceOrderRequestSchema, { ...json, expire_time: 1773232200000 })).toEqual(placement);
  });

  it("round-trip an Order through binary and JSON; unset optionals stay unset", () => {
    const again = fromBinary(OrderSchema, toBinary(OrderSchema, order));
    expect(again).toEqual(order);
    expect(again.stopPrice).toBeUndefined();
    expect(again.fees).toBe("-0.00325000");

    const json = toJson(OrderSchema, order, { useProtoFieldName: true }) as JsonObject;
    expect(json.executed_value).toBe("325.00050000");
    expect(json.filled_size).toBe("0.005000");
    expect(json.created_at_ms).toBe("1773232200000");
    expect("stop_price" in json).toBe(false);
    expect("done_reason" in json).toBe(false);
    const back = fromJson(OrderSchema, json);
    expect(back).toEqual(order);
    expect(back.createdAtMs).toBe(1_773_232_200_000n);
  });

  it("round-trip a PlaceOrder response (the order and its fills) through binary", () => {
    const reply = create(PlaceOrderResponseSchema, {
      order,
      fills: [
        {
          fillId: "f-1",
          tradeId: 42n,
          orderId: order.orderId,
          clientOrderId: order.clientOrderId,
          instrument: "BTC-USD",
          side: Side.BUY,
          price: "65000.10",
          size: "0.005000",
          value: "325.00050000",
          fee: "-0.00325000",
          feeAsset: "USD",
          liquidity: Liquidity.MAKER,
          time: "2026-03-11T12:30:00.250Z",
          timeMs: 1_773_232_200_250n,
          seq: 9n,
        },
      ],
    });
    const again = fromBinary(PlaceOrderResponseSchema, toBinary(PlaceOrderResponseSchema, reply));
    expect(again).toEqual(reply);
    expect(again.fills[0]?.value).toBe("325.00050000");
  });
});

// ── drift: REST contracts and proto messages ────────────────────────────────

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

const doc = contractDocument({ version: "0.1.0", environment: "test", serverUrl: "https://api.example.com" });
const components = (doc.components?.schemas ?? {}) as Record<string, JsonSchema>;

function restSchema(name: string): Record<string, JsonSchema> {
  const properties = components[name]?.properties;
  if (!properties) throw new Error(`no OpenAPI component ${name} with properties`);
  return properties;
}

type Kind = "string" | "integer" | "boolean" | "object" | "array";

/** The JSON kind of a REST property (null aside). */
function restKind(s: JsonSchema): Kind | undefined {
  if (s.$ref) return "object";
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(restKind).find((k) => k !== undefined);
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t && t !== "null");
  const t = types[0];
  return t === "number" ? "integer" : (t as Kind | undefined);
}

/** The JSON kind a proto field is compared to: REST's for the same value. */
function protoKind(message: DescMessage, name: string): Kind | "missing" {
  const field = message.fields.find((f) => f.name === name);
  if (!field) return "missing";
  if (field.fieldKind === "list") return "array";
  if (field.fieldKind === "message" || field.fieldKind === "map") return "object";
  if (field.fieldKind === "enum") return "string";
  if (field.scalar === ScalarType.STRING) return "string";
  if (field.scalar === ScalarType.BOOL) return "boolean";
  if ([ScalarType.INT32, ScalarType.INT64, ScalarType.UINT32, ScalarType.UINT64].includes(field.scalar)) {
    return "integer";
  }
  return "object";
}

/** An enum's values as REST spells them: the name without the prefix, lower-cased; UNSPECIFIED left out. */
function restNames(e: DescEnum): string[] {
  const prefix = e.values[0]?.name.replace(/UNSPECIFIED$/, "") ?? "";
  return e.values
    .filter((v) => v.number !== 0)
    .map((v) => v.name.slice(prefix.length).toLowerCase())
    .sort();
}

const PAIRS: Array<{ rest: string; proto: DescMessage; exact: boolean }> = [
  { rest: "NewOrder", proto: PlaceOrderRequestSchema, exact: true },
  { rest: "Order", proto: OrderSchema, exact: true },
  { rest: "Fill", proto: FillSchema, exact: true },
  { rest: "Balance", proto: BalanceSchema, exact: true },
  { rest: "LedgerEntry", proto: LedgerEntrySchema, exact: true },
  { rest: "Instrument", proto: InstrumentSchema, exact: true },
  { rest: "Book", proto: GetBookResponseSchema, exact: true },
  { rest: "Trade", proto: TradeSchema, exact: true },
  { rest: "Ticker", proto: TickerSchema, exact: true },
  { rest: "Candle", proto: CandleSchema, exact: true },
  // One proto message for both REST session shapes.
  { rest: "OpenSession", proto: TradingSessionSchema, exact: false },
  { rest: "UpcomingSession", proto: TradingSessionSchema, exact: false },
];

describe("REST and proto cannot drift", () => {
  it.each(PAIRS)("every field of REST $rest is in $proto.typeName, of the same kind", ({ rest, proto, exact }) => {
    const properties = restSchema(rest);
    const mismatches: string[] = [];
    for (const [name, schema] of Object.entries(properties)) {
      const want = restKind(schema);
      const have = protoKind(proto, name);
      if (have !== want) mismatches.push(`${name}: REST ${want}, proto ${have}`);
      const field = proto.fields.find((f) => f.name === name);
      if (schema.enum && field?.fieldKind === "enum") {
        const values = schema.enum
          .filter((v) => v !== null)
          .map(String)
          .sort();
        if (restNames(field.enum).join() !== values.join()) {
          mismatches.push(`${name}: REST [${values}], proto [${restNames(field.enum)}]`);
        }
      }
    }
    if (exact) {
      for (const f of proto.fields) if (!(f.name in properties)) mismatches.push(`${f.name}: not in REST ${rest}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("PlaceOrderRequest has exactly the fields of the shared NewOrder schema", () => {
    const names = PlaceOrderRequestSchema.fields.map((f) => f.name).sort();
    expect(names).toEqual(Object.keys(NewOrderSchema.shape).sort());
  });

  it("the order enums hold exactly the REST values", () => {
    const field = (m: DescMessage, name: string) => {
      const f = m.fields.find((x) => x.name === name);
      if (f?.fieldKind !== "enum") throw new Error(`${m.typeName}.${name} is not an enum`);
      return restNames(f.enum);
    };
    const order = restSchema("Order");
    expect(field(OrderSchema, "status")).toEqual([...(order.status?.enum ?? [])].map(String).sort());
    // Order's `type`, `time_in_force` and `stp` are plain strings in the REST view: compare with NewOrder's enums.
    const newOrder = restSchema("NewOrder");
    for (const name of ["type", "time_in_force", "stp"]) {
      expect(field(OrderSchema, name), name).toEqual([...(newOrder[name]?.enum ?? [])].map(String).sort());
    }
  });

  it("ErrorCode holds every stable error code of shared/errors/codes.ts, and nothing else", () => {
    expect(restNames(ErrorCodeSchema)).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
