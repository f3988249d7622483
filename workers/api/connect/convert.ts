/**
 * Between protobuf messages and the REST JSON shapes the operations take and
 * give, by the message descriptors (the proto fields have the REST names,
 * docs/grpc.md "How the fields map to REST"):
 * - enums: `SIDE_BUY` ↔ `"buy"` (the value's name without the enum's prefix, lower
 *   case); a `..._UNSPECIFIED` value means "not given" and is dropped;
 * - 64-bit integers: proto JSON strings ↔ JSON numbers (REST's integers);
 * - `google.protobuf.Value` / `Struct`: plain JSON either way; null means unset.
 * Fields a message does not have are dropped on the way to proto (test/node/proto.test.ts
 * keeps REST and proto from drifting).
 */
import {
  create,
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
  ScalarType,
  toJson,
} from "@bufbuild/protobuf";

type Json = Record<string, unknown>;

const INT64 = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);
const PLAIN_JSON = new Set(["google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue"]);

/** A value's name without the enum's shared prefix (`sharedPrefix` is `side_` for `SIDE_BUY`), lower case. */
function restName(desc: DescEnum, name: string): string {
  const prefix = desc.sharedPrefix ?? "";
  return (name.toLowerCase().startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase();
}

/** The REST string of an enum value's proto JSON name (`ORDER_TYPE_STOP_LIMIT` → `stop_limit`); undefined for zero. */
function restEnum(desc: DescEnum, name: string): string | undefined {
  const value = desc.values.find((v) => v.name === name);
  if (value === undefined || value.number === 0) return undefined;
  return restName(desc, name);
}

/** A 64-bit integer's proto JSON string as a number when it is exact, else as it is (the schema refuses it). */
function restInteger(value: unknown): unknown {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

type Kind =
  | { kind: "scalar"; scalar: ScalarType }
  | { kind: "enum"; desc: DescEnum }
  | { kind: "message"; desc: DescMessage };

function elementKind(field: DescField): Kind {
  if (field.fieldKind === "list") {
    if (field.listKind === "scalar") return { kind: "scalar", scalar: field.scalar };
    if (field.listKind === "enum") return { kind: "enum", desc: field.enum };
    return { kind: "message", desc: field.message };
  }
  if (field.fieldKind === "map") {
    if (field.mapKind === "scalar") return { kind: "scalar", scalar: field.scalar };
    if (field.mapKind === "enum") return { kind: "enum", desc: field.enum };
    return { kind: "message", desc: field.message };
  }
  if (field.fieldKind === "scalar") return { kind: "scalar", scalar: field.scalar };
  if (field.fieldKind === "enum") return { kind: "enum", desc: field.enum };
  return { kind: "message", desc: field.message };
}

function eachValue(field: DescField, value: unknown, convert: (v: unknown) => unknown): unknown {
  if (field.fieldKind === "list")
    return Array.isArray(value) ? value.map(convert).filter((v) => v !== undefined) : value;
  if (field.fieldKind === "map") {
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
  }
  return convert(value);
}

function toRestValue(kind: Kind, value: unknown): unknown {
  if (kind.kind === "enum") return typeof value === "string" ? restEnum(kind.desc, value) : value;
  if (kind.kind === "scalar") return INT64.has(kind.scalar) ? restInteger(value) : value;
  if (PLAIN_JSON.has(kind.desc.typeName)) return value;
  return value !== null && typeof value === "object" ? toRestObject(kind.desc, value as Json) : value;
}

function toRestObject(desc: DescMessage, json: Json): Json {
  const out: Json = {};
  for (const field of desc.fields) {
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    const kind = elementKind(field);
    const converted = eachValue(field, value, (v) => toRestValue(kind, v));
    if (converted !== undefined) out[field.name] = converted;
  }
  return out;
}

/** A request message as the REST JSON body or query of the same input (proto field names). */
export function protoToRest<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): Json {
  const json = toJson(desc, message, { useProtoFieldName: true }) as Json;
  return toRestObject(desc, json);
}

/** The number of each REST enum string (`buy` → 1), per enum, built once. */
const enumNumbers = new WeakMap<DescEnum, Map<string, number>>();

function enumNumber(desc: DescEnum, rest: unknown): unknown {
  if (typeof rest !== "string") return rest;
  let numbers = enumNumbers.get(desc);
  if (!numbers) {
    numbers = new Map(desc.values.filter((v) => v.number !== 0).map((v) => [restName(desc, v.name), v.number]));
    enumNumbers.set(desc, numbers);
  }
  return numbers.get(rest) ?? rest;
}

function initValue(kind: Kind, value: unknown): unknown {
  if (kind.kind === "enum") return enumNumber(kind.desc, value);
  if (kind.kind === "scalar") {
    return INT64.has(kind.scalar) && (typeof value === "number" || typeof value === "string") ? BigInt(value) : value;
  }
  // Free-form JSON: its message form from the JSON itself.
  if (PLAIN_JSON.has(kind.desc.typeName)) return fromJson(kind.desc, value as JsonValue);
  return value !== null && typeof value === "object" ? initObject(kind.desc, value as Json) : value;
}

/**
 * A REST object as the init of a `desc` message: local (camelCase) names, enum numbers,
 * bigint for 64-bit integers, oneof members as `{case, value}`. Building the message from
 * this with `create` costs a fraction of `fromJson` on the proto JSON, which parses names
 * and values again.
 */
function initObject(desc: DescMessage, json: Json): Json {
  const out: Json = {};
  for (const field of desc.fields) {
    const value = json[field.name];
    if (value === undefined || value === null) continue;
    const kind = elementKind(field);
    const converted = eachValue(field, value, (v) => initValue(kind, v));
    if (field.oneof) out[field.oneof.localName] = { case: field.localName, value: converted };
    else out[field.localName] = converted;
  }
  return out;
}

/** A message of `desc` from an operation's REST-shaped result. */
export function restToProto<Desc extends DescMessage>(desc: Desc, rest: unknown): MessageShape<Desc> {
  const init = rest !== null && typeof rest === "object" ? initObject(desc, rest as Json) : {};
  return create(desc, init as MessageInitShape<Desc>);
}
