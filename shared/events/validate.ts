/**
 * Checks each event of a Queue message against the registry, one by one, so one bad event
 * never holds back the good ones beside it. A rejected event carries a reason from a fixed
 * list (a metric label and the dead letter's `reason`) and a readable detail.
 */
import type { z } from "zod";
import { type Envelope, type EnvelopeBatch, EnvelopeSchema } from "./envelope.ts";
import { EVENT_REGISTRY, type EventRegistry, schemaName } from "./registry.ts";

/**
 * Why an event was not written:
 * - `not_an_envelope`: the message, or one envelope in it, is not an envelope at all;
 * - `unknown_type`: no schema `<stream>.<type>` is registered;
 * - `schema_mismatch`: the envelope names a schema other than `<stream>.<type>`;
 * - `unknown_version`: the schema has no such version;
 * - `invalid_body`: the body does not follow its schema's version;
 * - `max_retries`: the Queue gave the message up after its last retry (the dead-letter consumer's).
 */
export const REJECT_REASONS = [
  "not_an_envelope",
  "unknown_type",
  "schema_mismatch",
  "unknown_version",
  "invalid_body",
  "max_retries",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The `type` label of events whose type is not a registered schema. */
export const UNKNOWN_TYPE = "unknown";

/** One event that failed its check. */
export interface RejectedEvent {
  reason: RejectReason;
  detail: string;
  /** Its position in the message (0 for a message of one envelope). */
  index: number;
  /** What was received, untouched. */
  raw: unknown;
  /** The registered schema name, or `unknown` (bounded: a metric label). */
  label: string;
  /** What the envelope said about itself, when it said it. */
  schema?: string;
  version?: number;
  stream?: string;
  type?: string;
  key?: string;
  seq?: number;
}

export type EventCheck = { ok: true; envelope: Envelope } | { ok: false; rejected: RejectedEvent };

/** What one message held: its good events (in order) and its bad ones. */
export interface MessageCheck {
  events: Envelope[];
  rejected: RejectedEvent[];
}

const MAX_DETAIL = 1000;

/** The zod issues as one line: `path: message; …` (at most 5, at most 1000 characters). */
export function describeIssues(error: z.ZodError): string {
  const text = error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : "";
  return (text + more).slice(0, MAX_DETAIL);
}

/** What an object that is not a valid envelope still says about itself (for the dead letter). */
export function selfDescription(
  raw: unknown,
): Pick<RejectedEvent, "schema" | "version" | "stream" | "type" | "key" | "seq"> {
  if (typeof raw !== "object" || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const text = (v: unknown, max: number) => (typeof v === "string" && v.length <= max ? v : undefined);
  const int = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) ? v : undefined);
  const out: Pick<RejectedEvent, "schema" | "version" | "stream" | "type" | "key" | "seq"> = {};
  const fields = {
    schema: text(r.schema, 96),
    version: typeof r.version === "number" && r.version >= 1 && r.version <= 1_000_000 ? int(r.version) : undefined,
    stream: text(r.stream, 32),
    type: text(r.type, 64),
    key: text(r.key, 128),
    seq: int(r.seq),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Checks one envelope: its shape, then its body against the version it names (absent: 1)
 * of schema `<stream>.<type>` in `registry`.
 */
export function checkEnvelope(raw: unknown, index = 0, registry: EventRegistry = EVENT_REGISTRY): EventCheck {
  const reject = (reason: RejectReason, detail: string, label: string): EventCheck => ({
    ok: false,
    rejected: { reason, detail, index, raw, label, ...selfDescription(raw) },
  });
  const parsed = EnvelopeSchema.safeParse(raw);
  if (!parsed.success) return reject("not_an_envelope", describeIssues(parsed.error), UNKNOWN_TYPE);
  const envelope = parsed.data;
  const name = schemaName(envelope.stream, envelope.type);
  const versions = registry.versions(name);
  if (versions.length === 0) return reject("unknown_type", `no schema ${name} is registered`, UNKNOWN_TYPE);
  if (envelope.schema !== undefined && envelope.schema !== name) {
    return reject("schema_mismatch", `the envelope names schema ${envelope.schema}, its stream and type ${name}`, name);
  }
  const version = envelope.version ?? 1;
  const entry = registry.find(name, version);
  if (!entry) {
    return reject("unknown_version", `${name} has versions 1 to ${versions.length}, not ${version}`, name);
  }
  const body = entry.body.safeParse(envelope.body);
  if (!body.success) return reject("invalid_body", `${name} v${version}: ${describeIssues(body.error)}`, name);
  return { ok: true, envelope };
}

/** Checks every event of a Queue message body: one envelope, or an {@link EnvelopeBatch}. */
export function checkMessage(body: unknown, registry: EventRegistry = EVENT_REGISTRY): MessageCheck {
  const out: MessageCheck = { events: [], rejected: [] };
  const list = (body as EnvelopeBatch | null)?.envelopes;
  if (typeof body === "object" && body !== null && Array.isArray(list)) {
    if (list.length === 0) {
      out.rejected.push({
        reason: "not_an_envelope",
        detail: "a batch of no envelopes",
        index: 0,
        raw: body,
        label: UNKNOWN_TYPE,
      });
    }
    for (const [i, e] of list.entries()) collect(out, checkEnvelope(e, i, registry));
    return out;
  }
  collect(out, checkEnvelope(body, 0, registry));
  return out;
}

function collect(out: MessageCheck, check: EventCheck): void {
  if (check.ok) out.events.push(check.envelope);
  else out.rejected.push(check.rejected);
}

/**
 * The newest version of an envelope's schema its body follows, for a replay after a fix
 * (a new version registered for bodies the old one refused); undefined when none does.
 */
export function newestAcceptingVersion(
  envelope: Envelope,
  registry: EventRegistry = EVENT_REGISTRY,
): number | undefined {
  const versions = registry.versions(schemaName(envelope.stream, envelope.type));
  for (let i = versions.length - 1; i >= 0; i--) {
    const entry = versions[i] as (typeof versions)[number];
    if (entry.body.safeParse(envelope.body).success) return entry.version;
  }
  return undefined;
}
