/**
 * Contract test of the Kafka sink against a local HTTP server that answers like the
 * Confluent REST v3 records API and like the REST Proxy v2 produce API of Redpanda's HTTP
 * Proxy (no broker can run here): the exact method, path, content type, auth and body of
 * each request, per-key ordering, failures reported (whole and partial), and the records
 * as a Kafka consumer would read them (key bytes, value bytes, headers), which both
 * dialects must write alike.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Envelope, groupByKey } from "../../shared/events/envelope.ts";
import {
  basicAuth,
  type KafkaRestConfig,
  kafkaConfig,
  produceToKafka,
  splitConcatenatedJson,
} from "../../workers/consumer/kafka-rest.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** How the fake broker answers each record: a delivery report, or a whole HTTP error. */
let answer: (topic: string, record: unknown, index: number) => Record<string, unknown> = () => ({});
let httpStatus = 200;
const offsets = new Map<string, number>();

/** A record as a Kafka consumer reads it: the key's and value's bytes as UTF-8, the headers decoded. */
interface Logged {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}
const log: Logged[] = [];

const fromBase64 = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/** The v3 records API: concatenated records in, concatenated delivery reports out. */
function answerV3(topic: string, body: string): { status: number; type: string; text: string } {
  const records = splitConcatenatedJson(body) as {
    headers?: { name: string; value: string }[];
    key: { type: string; data: unknown };
    value: { type: string; data: unknown };
  }[];
  const reports = records.map((record, i) => {
    const report = { ...okReport(topic), ...answer(topic, record, i) };
    if (report.error_code === 200) {
      log.push({
        topic,
        key: record.key.type === "STRING" ? String(record.key.data) : JSON.stringify(record.key.data),
        value: JSON.stringify(record.value.data),
        headers: Object.fromEntries((record.headers ?? []).map((h) => [h.name, fromBase64(h.value)])),
      });
    }
    return report;
  });
  return { status: 200, type: "application/json", text: reports.map((r) => JSON.stringify(r)).join("") };
}

function okReport(topic: string): Record<string, unknown> {
  const offset = offsets.get(topic) ?? 0;
  offsets.set(topic, offset + 1);
  return {
    error_code: 200,
    cluster_id: "lkc-test",
    topic_name: topic,
    partition_id: 0,
    offset,
    timestamp: "2026-03-11T12:30:00Z",
    key: { type: "STRING", size: 7 },
    value: { type: "JSON", size: 100 },
  };
}

/** The v2 produce API as Redpanda's HTTP Proxy documents it, binary embedded format. */
function answerV2(topic: string, body: string, contentType: string): { status: number; type: string; text: string } {
  if (contentType !== "application/vnd.kafka.binary.v2+json") {
    return { status: 415, type: "application/json", text: '{"error_code":415,"message":"Unsupported Media Type"}' };
  }
  const { records } = JSON.parse(body) as { records: { key: string; value: string; partition?: number }[] };
  const result = records.map((record, i) => {
    const failure = answer(topic, record, i);
    if (failure.error_code !== undefined) {
      return { partition: 0, offset: -1, error_code: failure.error_code, error: failure.message };
    }
    const offset = offsets.get(topic) ?? 0;
    offsets.set(topic, offset + 1);
    log.push({ topic, key: fromBase64(record.key), value: fromBase64(record.value), headers: {} });
    return { partition: 0, offset, error_code: null, error: null };
  });
  return {
    status: 200,
    type: "application/vnd.kafka.v2+json",
    text: JSON.stringify({ offsets: result, key_schema_id: null, value_schema_id: null }),
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = req.url ?? "";
      seen.push({ method: req.method ?? "", url, headers: req.headers, body });
      const topic = decodeURIComponent(url.split("/topics/")[1]?.split("/")[0] ?? "");
      if (httpStatus !== 200) {
        res.writeHead(httpStatus, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_code: httpStatus, message: "Authentication failed" }));
        return;
      }
      const reply = /^\/kafka\/v3\/clusters\/[^/]+\/topics\/[^/]+\/records$/.test(url)
        ? answerV3(topic, body)
        : /^\/topics\/[^/]+$/.test(url) && req.method === "POST"
          ? answerV2(topic, body, req.headers["content-type"] ?? "")
          : { status: 404, type: "application/json", text: '{"error_code":404,"message":"HTTP 404 Not Found"}' };
      res.writeHead(reply.status, { "content-type": reply.type });
      res.end(reply.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  log.length = 0;
  answer = () => ({});
  httpStatus = 200;
});

const config = (): KafkaRestConfig => ({
  url: base,
  clusterId: "lkc-test",
  username: "API_KEY",
  password: "s3cr:t/ü",
  topicPrefix: "platform3.",
});

const ev = (stream: "book" | "account", key: string, seq: number): Envelope => ({
  stream,
  key,
  seq,
  at: 1_773_232_200_000 + seq,
  type: stream === "book" ? "trade" : "fill",
  body: { trade_id: seq, price: "65000.00", size: "0.015" },
});

describe("Kafka REST v3 sink", () => {
  it("produces each key's events in one request, in seq order, with the exact v3 contract", async () => {
    const events = [
      ev("book", "BTC-USD", 2),
      ev("account", "alice", 1),
      ev("book", "BTC-USD", 1),
      ev("book", "EUR-USD", 5),
    ];
    const result = await produceToKafka(config(), groupByKey(events));
    expect(result).toEqual({ ok: true, records: 4 });
    expect(seen).toHaveLength(3);
    const expectedAuth = `Basic ${Buffer.from("API_KEY:s3cr:t/ü", "utf8").toString("base64")}`;
    expect(basicAuth("API_KEY", "s3cr:t/ü")).toBe(expectedAuth);
    for (const req of seen) {
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers.authorization).toBe(expectedAuth);
    }
    const byPath = new Map(seen.map((r) => [r.url, r]));
    const btc = byPath.get("/kafka/v3/clusters/lkc-test/topics/platform3.book/records");
    expect(btc).toBeDefined();
    const btcRecords = seen
      .filter((r) => r.url === "/kafka/v3/clusters/lkc-test/topics/platform3.book/records")
      .map((r) => splitConcatenatedJson(r.body));
    expect(btcRecords).toContainEqual([
      { key: { type: "STRING", data: "BTC-USD" }, value: { type: "JSON", data: ev("book", "BTC-USD", 1) } },
      { key: { type: "STRING", data: "BTC-USD" }, value: { type: "JSON", data: ev("book", "BTC-USD", 2) } },
    ]);
    expect(btcRecords).toContainEqual([
      { key: { type: "STRING", data: "EUR-USD" }, value: { type: "JSON", data: ev("book", "EUR-USD", 5) } },
    ]);
    const account = byPath.get("/kafka/v3/clusters/lkc-test/topics/platform3.account/records") as Seen;
    expect(splitConcatenatedJson(account.body)).toEqual([
      { key: { type: "STRING", data: "alice" }, value: { type: "JSON", data: ev("account", "alice", 1) } },
    ]);
    // The body is exactly the records, concatenated one per line.
    expect(account.body).toBe(
      JSON.stringify({
        key: { type: "STRING", data: "alice" },
        value: { type: "JSON", data: ev("account", "alice", 1) },
      }),
    );
  });

  it("reports failure when any record's delivery report has a non-2xx error_code", async () => {
    answer = (_topic, _record, i) =>
      i === 1 ? { error_code: 40403, message: "This server does not host this topic-partition." } : {};
    const result = await produceToKafka(config(), groupByKey([ev("book", "BTC-USD", 1), ev("book", "BTC-USD", 2)]));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("BTC-USD#2");
    expect(!result.ok && result.error).toContain("40403");
  });

  it("reports failure on an HTTP error and on an unreachable endpoint", async () => {
    httpStatus = 401;
    const denied = await produceToKafka(config(), groupByKey([ev("book", "BTC-USD", 1)]));
    expect(denied.ok).toBe(false);
    expect(!denied.ok && denied.error).toContain("HTTP 401");
    httpStatus = 200;
    const dead = await produceToKafka(
      { ...config(), url: "http://127.0.0.1:9", timeoutMs: 2_000 },
      groupByKey([ev("book", "BTC-USD", 1)]),
    );
    expect(dead.ok).toBe(false);
  });

  it("is off without KAFKA_REST_URL and refuses a half configuration", () => {
    expect(kafkaConfig({})).toBeUndefined();
    expect(() => kafkaConfig({ KAFKA_REST_URL: base })).toThrow(/KAFKA_CLUSTER_ID/);
    expect(
      kafkaConfig({
        KAFKA_REST_URL: `${base}/`,
        KAFKA_CLUSTER_ID: "lkc-1",
        KAFKA_REST_USERNAME: "u",
        KAFKA_REST_PASSWORD: "p",
        KAFKA_TOPIC_PREFIX: "x.",
      }),
    ).toEqual({ url: base, clusterId: "lkc-1", username: "u", password: "p", topicPrefix: "x." });
  });

  it("splits concatenated JSON, with or without whitespace, strings with braces included", () => {
    expect(splitConcatenatedJson('{"a":"}{"}{"b":[1,{"c":2}]}\n{"d":"\\"}"}')).toEqual([
      { a: "}{" },
      { b: [1, { c: 2 }] },
      { d: '"}' },
    ]);
    expect(() => splitConcatenatedJson('{"a":1')).toThrow();
    expect(() => splitConcatenatedJson('{"a":1} x')).toThrow();
  });
});

/** An event stamped with its schema, as producers send them once the registry is in. */
const stamped = (stream: "book" | "account", key: string, seq: number): Envelope => ({
  ...ev(stream, key, seq),
  schema: `${stream}.${stream === "book" ? "trade" : "fill"}`,
  version: 2,
});

describe("Kafka REST v3 sink: headers", () => {
  it("carries the envelope's schema and version as record headers, base64 on the wire", async () => {
    const e = stamped("book", "BTC-USD", 1);
    expect(await produceToKafka(config(), groupByKey([e]))).toEqual({ ok: true, records: 1 });
    const [record] = splitConcatenatedJson((seen[0] as Seen).body);
    expect(record).toEqual({
      headers: [
        { name: "schema", value: Buffer.from("book.trade").toString("base64") },
        { name: "version", value: Buffer.from("2").toString("base64") },
      ],
      key: { type: "STRING", data: "BTC-USD" },
      value: { type: "JSON", data: e },
    });
    expect(log).toEqual([
      {
        topic: "platform3.book",
        key: "BTC-USD",
        value: JSON.stringify(e),
        headers: { schema: "book.trade", version: "2" },
      },
    ]);
  });
});

describe("Kafka REST v2 sink (Redpanda HTTP Proxy, REST Proxy v2)", () => {
  const v2 = (): KafkaRestConfig => ({ ...config(), api: "v2", clusterId: "" });

  it("posts each key's events to /topics/{topic} in one request, binary embedded format, in seq order", async () => {
    const events = [ev("book", "BTC-USD", 2), ev("account", "alice", 1), ev("book", "BTC-USD", 1)];
    expect(await produceToKafka(v2(), groupByKey(events))).toEqual({ ok: true, records: 3 });
    expect(seen).toHaveLength(2);
    for (const req of seen) {
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/vnd.kafka.binary.v2+json");
      expect(req.headers.accept).toBe("application/vnd.kafka.v2+json");
      expect(req.headers.authorization).toBe(basicAuth("API_KEY", "s3cr:t/ü"));
    }
    const book = seen.find((r) => r.url === "/topics/platform3.book") as Seen;
    expect(JSON.parse(book.body)).toEqual({
      records: [1, 2].map((seq) => ({
        key: Buffer.from("BTC-USD").toString("base64"),
        value: Buffer.from(JSON.stringify(ev("book", "BTC-USD", seq))).toString("base64"),
      })),
    });
    expect(seen.map((r) => r.url).sort()).toEqual(["/topics/platform3.account", "/topics/platform3.book"]);
  });

  it("writes what v3 writes, as a consumer reads it (key bytes, value bytes), without headers", async () => {
    const events = [stamped("book", "ETH-USD", 1), stamped("book", "ETH-USD", 2), stamped("account", "bob", 7)];
    await produceToKafka(config(), groupByKey(events));
    const viaV3 = log.splice(0);
    await produceToKafka(v2(), groupByKey(events));
    const viaV2 = log.splice(0);
    const bytes = (records: Logged[]) => records.map(({ topic, key, value }) => ({ topic, key, value }));
    expect(bytes(viaV2)).toEqual(bytes(viaV3));
    expect(viaV3.every((r) => r.headers.schema !== undefined && r.headers.version === "2")).toBe(true);
    // v2 records have no headers field: the schema travels inside the value only.
    expect(viaV2.every((r) => Object.keys(r.headers).length === 0)).toBe(true);
    expect(viaV2.map((r) => (JSON.parse(r.value) as Envelope).schema)).toEqual([
      "book.trade",
      "book.trade",
      "account.fill",
    ]);
  });

  it("fails the batch when one record's offset carries an error_code, naming it", async () => {
    answer = (_topic, _record, i) => (i === 1 ? { error_code: 40403, message: "not leader for partition" } : {});
    const result = await produceToKafka(v2(), groupByKey([ev("book", "BTC-USD", 1), ev("book", "BTC-USD", 2)]));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain("1 of 2 records failed");
    expect(!result.ok && result.error).toContain("BTC-USD#2");
    expect(!result.ok && result.error).toContain("40403");
  });

  it("fails on an HTTP error, and sends no Authorization without credentials", async () => {
    httpStatus = 403;
    const denied = await produceToKafka(v2(), groupByKey([ev("book", "BTC-USD", 1)]));
    expect(!denied.ok && denied.error).toContain("HTTP 403");
    httpStatus = 200;
    const open = await produceToKafka({ ...v2(), username: "", password: "" }, groupByKey([ev("book", "BTC-USD", 1)]));
    expect(open).toEqual({ ok: true, records: 1 });
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it("is chosen by KAFKA_REST_API; v2 needs no cluster id and credentials only in pairs; anything else is refused", () => {
    expect(kafkaConfig({ KAFKA_REST_URL: base, KAFKA_REST_API: "v2" })).toEqual({
      url: base,
      api: "v2",
      clusterId: "",
      username: "",
      password: "",
      topicPrefix: "platform3.",
    });
    expect(() => kafkaConfig({ KAFKA_REST_URL: base, KAFKA_REST_API: "v2", KAFKA_REST_USERNAME: "u" })).toThrow(
      /KAFKA_REST_PASSWORD/,
    );
    expect(() => kafkaConfig({ KAFKA_REST_URL: base, KAFKA_REST_API: "v1" })).toThrow(/KAFKA_REST_API="v1"/);
    expect(
      kafkaConfig({
        KAFKA_REST_URL: base,
        KAFKA_REST_API: "v3",
        KAFKA_CLUSTER_ID: "c",
        KAFKA_REST_USERNAME: "u",
        KAFKA_REST_PASSWORD: "p",
      })?.api,
    ).toBeUndefined();
  });
});
