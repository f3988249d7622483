/**
 * The event schema registry: every event type of every stream, each version with its zod
 * schema of the body. A schema is named `<stream>.<type>` (`book.trade`, `account.fill`);
 * versions count from 1. Producers stamp each envelope with the newest version
 * (`stampOf`); the consumer validates each event against the version it carries, and an
 * envelope without a stamp (sent before stamping existed) is read as version 1.
 *
 * Evolving: add an optional field to the current version (compatible: `npm run
 * schemas:check` passes), or register a new version for anything else; a registered
 * version is never changed incompatibly nor removed once released (docs/events.md).
 */
import type { z } from "zod";
import { AccountFillV1, AccountLedgerEntryV1, AccountOrderV1 } from "./account-events.ts";
import {
  BookAcceptedV1,
  BookAmendedV1,
  BookDoneV1,
  BookLevelV1,
  BookReducedV1,
  BookStopTriggeredV1,
  BookTradeV1,
} from "./book-events.ts";
import type { Stream } from "./envelope.ts";

/** One version of one event type's body. */
export interface EventSchema {
  /** `<stream>.<type>`. */
  schema: string;
  version: number;
  stream: Stream;
  type: string;
  body: z.ZodType;
}

/** What a producer puts on an envelope. */
export interface Stamp {
  schema: string;
  version: number;
}

/** The schema name of a stream's event type. */
export function schemaName(stream: string, type: string): string {
  return `${stream}.${type}`;
}

export class EventRegistry {
  private readonly byName = new Map<string, EventSchema[]>();
  private readonly stamps = new Map<string, Stamp>();

  constructor(entries: readonly EventSchema[] = []) {
    for (const e of entries) this.register(e);
  }

  /** Adds a version; versions of one schema go in order, each once. */
  register(entry: EventSchema): void {
    if (entry.schema !== schemaName(entry.stream, entry.type)) {
      throw new Error(`event schema ${entry.schema} must be named ${schemaName(entry.stream, entry.type)}`);
    }
    const versions = this.byName.get(entry.schema) ?? [];
    const expected = versions.length + 1;
    if (entry.version !== expected) {
      throw new Error(`event schema ${entry.schema}: version ${entry.version} registered, ${expected} expected`);
    }
    versions.push(entry);
    this.byName.set(entry.schema, versions);
    this.stamps.set(entry.schema, { schema: entry.schema, version: entry.version });
  }

  /** Removes the newest version of `schema` (tests that register one for a while). */
  unregisterLatest(schema: string): void {
    const versions = this.byName.get(schema);
    versions?.pop();
    const latest = versions?.at(-1);
    if (latest) this.stamps.set(schema, { schema, version: latest.version });
    else {
      this.byName.delete(schema);
      this.stamps.delete(schema);
    }
  }

  /** Every version of every schema, by name then version. */
  entries(): EventSchema[] {
    return [...this.byName.keys()].sort().flatMap((name) => this.byName.get(name) ?? []);
  }

  /** One version, or undefined. */
  find(schema: string, version: number): EventSchema | undefined {
    return this.byName.get(schema)?.[version - 1];
  }

  /** Every version of `schema`, oldest first (empty when unknown). */
  versions(schema: string): readonly EventSchema[] {
    return this.byName.get(schema) ?? [];
  }

  /** The stamp of a stream's event type (its newest version), or undefined for a type not registered. */
  stampOf(stream: string, type: string): Stamp | undefined {
    return this.stamps.get(schemaName(stream, type));
  }
}

const v1 = (stream: Stream, type: string, body: z.ZodType): EventSchema => ({
  schema: schemaName(stream, type),
  version: 1,
  stream,
  type,
  body,
});

/** The registry every producer and consumer of this build uses. */
export const EVENT_REGISTRY = new EventRegistry([
  v1("book", "accepted", BookAcceptedV1),
  v1("book", "trade", BookTradeV1),
  v1("book", "done", BookDoneV1),
  v1("book", "stop_triggered", BookStopTriggeredV1),
  v1("book", "amended", BookAmendedV1),
  v1("book", "reduced", BookReducedV1),
  v1("book", "level", BookLevelV1),
  v1("account", "order", AccountOrderV1),
  v1("account", "fill", AccountFillV1),
  v1("account", "ledger_entry", AccountLedgerEntryV1),
]);

/**
 * `{schema, version}` for an envelope of `stream` and `type`, from the build's registry;
 * `{}` for a type it does not know (the consumer dead-letters such an event as `unknown_type`).
 */
export function stampOf(stream: Stream, type: string): Partial<Stamp> {
  return EVENT_REGISTRY.stampOf(stream, type) ?? {};
}
