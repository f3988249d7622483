/**
 * Optional Kafka sink over a Kafka REST produce API, in one of two dialects
 * (`KAFKA_REST_API`): every event goes to topic `<prefix><stream>` (`platform3.book`,
 * `platform3.account`), keyed by its instrument or account, so each key stays on one
 * partition, in order. A key's events go in ONE request, in seq order; keys go in parallel.
 *
 * - `v3` (default): the Confluent REST v3 records API (Confluent Cloud, Confluent REST
 *   Proxy 7+). `POST {url}/kafka/v3/clusters/{cluster}/topics/{topic}/records`,
 *   `Content-Type: application/json`, the records concatenated (one JSON object per line),
 *   each `{"headers": [{"name", "value": base64}], "key": {"type": "STRING", "data": key},
 *   "value": {"type": "JSON", "data": envelope}}`; the answer is one delivery report per
 *   record, concatenated in the same order, each with its own `error_code` (200 = written).
 * - `v2`: the REST Proxy v2 produce API that Redpanda's HTTP Proxy (pandaproxy) and the
 *   Confluent REST Proxy serve. `POST {url}/topics/{topic}`, `Content-Type:
 *   application/vnd.kafka.binary.v2+json`, `{"records": [{"key": base64, "value": base64}]}`;
 *   the answer `{"offsets": [{"partition", "offset", "error_code", "error"}]}`, one per record
 *   in order, `error_code` null when written. The binary embedded format (not `json`) so a
 *   record's bytes are the same as v3 writes: the key is the key's UTF-8 (the `json` format
 *   would store it JSON-quoted, `"BTC-USD"`, hash it to another partition and change what
 *   consumers read), the value the envelope's JSON. v2 records have no headers field:
 *   under v2 the schema name and version travel only inside the value (the envelope's
 *   `schema` and `version`).
 *
 * Headers (v3): `schema` and `version` (UTF-8 text, base64 on the wire as v3 wants) when
 * the envelope has them. Basic auth (`KAFKA_REST_USERNAME`/`PASSWORD`; optional for v2).
 * Any non-2xx HTTP status, or any record reported failed, fails the whole batch: the Queue
 * delivers it again (records of the group written before the failed one are written
 * twice), and Kafka consumers drop repeats by `(stream, key, seq)`.
 *
 * No runtime imports beyond `fetch`: the contract test runs it in Node.
 */
import type { Envelope, KeyGroup } from "../../shared/events/envelope.ts";

export interface KafkaRestEnv {
  KAFKA_REST_URL?: string;
  /** `v3` (default) or `v2`: which produce API the endpoint speaks. */
  KAFKA_REST_API?: string;
  KAFKA_CLUSTER_ID?: string;
  KAFKA_REST_USERNAME?: string;
  KAFKA_REST_PASSWORD?: string;
  KAFKA_TOPIC_PREFIX?: string;
}

export const KAFKA_REST_APIS = ["v3", "v2"] as const;
export type KafkaRestApi = (typeof KAFKA_REST_APIS)[number];

export interface KafkaRestConfig {
  /** Base URL of the REST endpoint, e.g. `https://pkc-abcde.us-west4.gcp.confluent.cloud:443`. */
  url: string;
  /** The produce API (default `v3`). */
  api?: KafkaRestApi;
  /** The cluster id in v3 paths (unused by v2). */
  clusterId: string;
  /** Basic auth; empty username: none (v2 only). */
  username: string;
  password: string;
  /** Topic name prefix; the stream name follows (default `platform3.`). */
  topicPrefix: string;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
}

export type KafkaResult = { ok: true; records: number } | { ok: false; error: string };

/** The sink's configuration, or undefined when `KAFKA_REST_URL` is not set (sink off). */
export function kafkaConfig(env: KafkaRestEnv): KafkaRestConfig | undefined {
  const url = env.KAFKA_REST_URL?.trim();
  if (!url) return undefined;
  const api = (env.KAFKA_REST_API?.trim() || "v3") as KafkaRestApi;
  if (!KAFKA_REST_APIS.includes(api)) {
    throw new Error(`KAFKA_REST_API="${env.KAFKA_REST_API}" is neither "v3" nor "v2": fix it in wrangler.toml [vars].`);
  }
  const required =
    api === "v3"
      ? (["KAFKA_CLUSTER_ID", "KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"] as const)
      : env.KAFKA_REST_USERNAME || env.KAFKA_REST_PASSWORD
        ? (["KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"] as const)
        : [];
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`KAFKA_REST_URL is set but ${missing.join(", ")} is not: set them as secrets, or unset the URL.`);
  }
  const config: KafkaRestConfig = {
    url: url.replace(/\/+$/, ""),
    clusterId: env.KAFKA_CLUSTER_ID ?? "",
    username: env.KAFKA_REST_USERNAME ?? "",
    password: env.KAFKA_REST_PASSWORD ?? "",
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? "platform3.",
  };
  if (api !== "v3") config.api = api;
  return config;
}

/** Base64 of a text's UTF-8 bytes. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** `Basic base64(user:password)`, UTF-8 safe. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${base64Utf8(`${username}:${password}`)}`;
}

/** The Kafka headers of an event: its schema name and version when the envelope carries them. */
export function recordHeaders(e: Envelope): { name: string; value: string }[] {
  const headers: { name: string; value: string }[] = [];
  if (e.schema !== undefined) headers.push({ name: "schema", value: e.schema });
  if (e.version !== undefined) headers.push({ name: "version", value: String(e.version) });
  return headers;
}

/** The v3 produce record of one event. */
export function kafkaRecord(e: Envelope): {
  headers?: { name: string; value: string }[];
  key: { type: "STRING"; data: string };
  value: { type: "JSON"; data: Envelope };
} {
  const headers = recordHeaders(e).map((h) => ({ name: h.name, value: base64Utf8(h.value) }));
  const record = { key: { type: "STRING" as const, data: e.key }, value: { type: "JSON" as const, data: e } };
  return headers.length > 0 ? { headers, ...record } : record;
}

/** The v2 produce record of one event (binary embedded format: base64 of the key's and the envelope's bytes). */
export function kafkaRecordV2(e: Envelope): { key: string; value: string } {
  return { key: base64Utf8(e.key), value: base64Utf8(JSON.stringify(e)) };
}

/** Produces every group's events (each group one request, in seq order); fails if any record failed. */
export async function produceToKafka(
  config: KafkaRestConfig,
  groups: readonly KeyGroup[],
  fetchImpl: typeof fetch = fetch,
): Promise<KafkaResult> {
  const results = await Promise.all(groups.map((g) => produceGroup(config, g, fetchImpl)));
  const failed = results.find((r) => !r.ok);
  if (failed) return failed;
  return { ok: true, records: results.reduce((n, r) => n + (r.ok ? r.records : 0), 0) };
}

/** One dialect's request for a group, and how it reads the answer. */
interface ProduceRequest {
  url: string;
  contentType: string;
  accept: string;
  body: string;
  /** The per-record failures in the answer (empty: all written), or a reason the answer is unreadable. */
  failures: (text: string) => { index: number; code: unknown; message: unknown }[] | string;
}

function v3Request(config: KafkaRestConfig, topic: string, events: readonly Envelope[]): ProduceRequest {
  return {
    url: `${config.url}/kafka/v3/clusters/${encodeURIComponent(config.clusterId)}/topics/${encodeURIComponent(topic)}/records`,
    contentType: "application/json",
    accept: "application/json",
    body: events.map((e) => JSON.stringify(kafkaRecord(e))).join("\n"),
    failures: (text) => {
      let reports: unknown[];
      try {
        reports = splitConcatenatedJson(text);
      } catch (err) {
        return `unreadable delivery reports: ${String(err)}`;
      }
      if (reports.length !== events.length) return `${reports.length} delivery reports for ${events.length} records`;
      return reports.flatMap((report, index) => {
        const r = report as { error_code?: unknown; message?: unknown } | null;
        const code = r?.error_code;
        return typeof code === "number" && code >= 200 && code <= 299 ? [] : [{ index, code, message: r?.message }];
      });
    },
  };
}

function v2Request(config: KafkaRestConfig, topic: string, events: readonly Envelope[]): ProduceRequest {
  return {
    url: `${config.url}/topics/${encodeURIComponent(topic)}`,
    contentType: "application/vnd.kafka.binary.v2+json",
    accept: "application/vnd.kafka.v2+json",
    body: JSON.stringify({ records: events.map(kafkaRecordV2) }),
    failures: (text) => {
      let offsets: unknown;
      try {
        offsets = (JSON.parse(text) as { offsets?: unknown } | null)?.offsets;
      } catch (err) {
        return `unreadable answer: ${String(err)}`;
      }
      if (!Array.isArray(offsets)) return "the answer has no offsets";
      if (offsets.length !== events.length) return `${offsets.length} offsets for ${events.length} records`;
      return offsets.flatMap((entry, index) => {
        const o = entry as { error_code?: unknown; error?: unknown; offset?: unknown } | null;
        const failed = o === null || (o.error_code ?? null) !== null || (o.error ?? null) !== null;
        return failed ? [{ index, code: o?.error_code, message: o?.error }] : [];
      });
    },
  };
}

async function produceGroup(config: KafkaRestConfig, group: KeyGroup, fetchImpl: typeof fetch): Promise<KafkaResult> {
  if (group.events.length === 0) return { ok: true, records: 0 };
  const topic = `${config.topicPrefix}${group.stream}`;
  const request = (config.api === "v2" ? v2Request : v3Request)(config, topic, group.events);
  const headers: Record<string, string> = { "content-type": request.contentType, accept: request.accept };
  if (config.username) headers.authorization = basicAuth(config.username, config.password);
  let response: Response;
  try {
    response = await fetchImpl(request.url, {
      method: "POST",
      headers,
      body: request.body,
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
  } catch (err) {
    return { ok: false, error: `Kafka REST ${topic}: request failed: ${String(err)}` };
  }
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    return { ok: false, error: `Kafka REST ${topic}: HTTP ${response.status}: ${text.slice(0, 300)}` };
  }
  const failures = request.failures(text);
  if (typeof failures === "string") return { ok: false, error: `Kafka REST ${topic}: ${failures}` };
  const [first] = failures;
  if (first) {
    const e = group.events[first.index] as Envelope;
    return {
      ok: false,
      error: `Kafka REST ${topic}: ${failures.length} of ${group.events.length} records failed; record ${e.key}#${e.seq} with error_code ${String(first.code)}: ${String(first.message ?? "")}`,
    };
  }
  return { ok: true, records: group.events.length };
}

/** Parses concatenated JSON values (`{…}{…}` or one per line) into a list. */
export function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth += 1;
    } else if (c === "}" || c === "]") {
      depth -= 1;
      if (depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error("unbalanced JSON");
    } else if (depth === 0 && !/\s/.test(c as string)) {
      throw new Error(`unexpected ${c} between JSON values`);
    }
  }
  if (depth !== 0 || inString) throw new Error("truncated JSON");
  return out;
}
