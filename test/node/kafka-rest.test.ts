/**
 * Contract test of the Kafka sink against a local HTTP server that answers like the
 * Confluent REST v3 produce API (no broker can run here): the exact method, path,
 * headers and body of each request, per-key ordering, and failures reported.
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

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const topic = decodeURIComponent((req.url ?? "").split("/topics/")[1]?.split("/")[0] ?? "");
      if (httpStatus !== 200) {
        res.writeHead(httpStatus, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_code: httpStatus, message: "Authentication failed" }));
        return;
      }
      const records = splitConcatenatedJson(body);
      const reports = records.map((record, i) => {
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
          ...answer(topic, record, i),
        };
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(reports.map((r) => JSON.stringify(r)).join(""));
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
