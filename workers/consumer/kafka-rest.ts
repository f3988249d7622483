/**
 * Optional Kafka sink over the Confluent REST v3 produce API (Confluent Cloud, Confluent
 * REST Proxy, Redpanda's compatible proxy): every event goes to topic
 * `<prefix><stream>` (`platform3.book`, `platform3.account`), keyed by its instrument or
 * account, so each key stays on one partition, in order.
 *
 * `POST {url}/kafka/v3/clusters/{cluster}/topics/{topic}/records` with basic auth and one
 * record per event, `{"key": {"type": "STRING", "data": key}, "value": {"type": "JSON",
 * "data": envelope}}`. A key's events go in ONE request, concatenated in seq order (the
 * API's multi-record form: the delivery reports come back concatenated in the same
 * order); keys go in parallel. Any non-2xx HTTP status, or any delivery report whose
 * `error_code` is not 2xx, fails the whole batch: the Queue delivers it again, and
 * Kafka consumers drop repeats by `(stream, key, seq)`.
 *
 * No runtime imports beyond `fetch`: the contract test runs it in Node.
 */
import type { Envelope, KeyGroup } from "../../shared/events/envelope.ts";

export interface KafkaRestEnv {
  KAFKA_REST_URL?: string;
  KAFKA_CLUSTER_ID?: string;
  KAFKA_REST_USERNAME?: string;
  KAFKA_REST_PASSWORD?: string;
  KAFKA_TOPIC_PREFIX?: string;
}

export interface KafkaRestConfig {
  /** Base URL of the REST endpoint, e.g. `https://pkc-abcde.us-west4.gcp.confluent.cloud:443`. */
  url: string;
  clusterId: string;
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
  const missing = (["KAFKA_CLUSTER_ID", "KAFKA_REST_USERNAME", "KAFKA_REST_PASSWORD"] as const).filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    throw new Error(`KAFKA_REST_URL is set but ${missing.join(", ")} is not: set them as secrets, or unset the URL.`);
  }
  return {
    url: url.replace(/\/+$/, ""),
    clusterId: env.KAFKA_CLUSTER_ID as string,
    username: env.KAFKA_REST_USERNAME as string,
    password: env.KAFKA_REST_PASSWORD as string,
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? "platform3.",
  };
}

/** `Basic base64(user:password)`, UTF-8 safe. */
export function basicAuth(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/** The v3 produce record of one event. */
export function kafkaRecord(e: Envelope): {
  key: { type: "STRING"; data: string };
  value: { type: "JSON"; data: Envelope };
} {
  return { key: { type: "STRING", data: e.key }, value: { type: "JSON", data: e } };
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

async function produceGroup(config: KafkaRestConfig, group: KeyGroup, fetchImpl: typeof fetch): Promise<KafkaResult> {
  if (group.events.length === 0) return { ok: true, records: 0 };
  const topic = `${config.topicPrefix}${group.stream}`;
  const url = `${config.url}/kafka/v3/clusters/${encodeURIComponent(config.clusterId)}/topics/${encodeURIComponent(topic)}/records`;
  const body = group.events.map((e) => JSON.stringify(kafkaRecord(e))).join("\n");
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: basicAuth(config.username, config.password),
      },
      body,
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
  } catch (err) {
    return { ok: false, error: `Kafka REST ${topic}: request failed: ${String(err)}` };
  }
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    return { ok: false, error: `Kafka REST ${topic}: HTTP ${response.status}: ${text.slice(0, 300)}` };
  }
  let reports: unknown[];
  try {
    reports = splitConcatenatedJson(text);
  } catch (err) {
    return { ok: false, error: `Kafka REST ${topic}: unreadable delivery reports: ${String(err)}` };
  }
  if (reports.length !== group.events.length) {
    return {
      ok: false,
      error: `Kafka REST ${topic}: ${reports.length} delivery reports for ${group.events.length} records`,
    };
  }
  for (const [i, report] of reports.entries()) {
    const code = (report as { error_code?: unknown } | null)?.error_code;
    if (typeof code !== "number" || code < 200 || code > 299) {
      const message = (report as { message?: unknown } | null)?.message;
      const e = group.events[i] as Envelope;
      return {
        ok: false,
        error: `Kafka REST ${topic}: record ${e.key}#${e.seq} failed with error_code ${String(code)}: ${String(message ?? "")}`,
      };
    }
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
