/**
 * ConfigStore: the single writer of the live configuration (one object, "global"; see stub.ts).
 * Each section is a sequence of validated versions with author, reason and time (log.ts, the
 * audit log); a write names the version it replaces (optimistic concurrency), and a rollback
 * writes a new version equal to an old one. Subscribers are pushed a version before it is
 * written (subscribers.ts); readers poll `changesSince` (shared/config/live-cache.ts).
 * Manual: docs/configuration.md.
 */
import { DurableObject } from "cloudflare:workers";
import { SQLSchemaMigrations } from "durable-utils/sql-migrations";
import {
  type ConfigChanges,
  type ConfigSection,
  type ConfigVersion,
  type SectionVersions,
  validateDocument,
} from "../../shared/config/sections.ts";
import { type Sql, sqlOver } from "../runtime/sql.ts";
import {
  type ConfigAuthor,
  type ConfigHistory,
  type ConfigWrite,
  MAX_AUTHOR_CHARS,
  MAX_HISTORY,
  MAX_REASON_CHARS,
} from "./contract.ts";
import { CONFIG_MIGRATIONS, ConfigLog } from "./log.ts";
import { pushToSubscribers, type SubscribersEnv } from "./subscribers.ts";

export type ConfigStoreEnv = SubscribersEnv;

export class ConfigStore extends DurableObject<ConfigStoreEnv> {
  private readonly sql: Sql;
  private readonly log: ConfigLog;
  /** Writes run one at a time: a write awaits its subscribers, and the next must see its version. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: ConfigStoreEnv) {
    super(ctx, env);
    this.sql = sqlOver(ctx.storage.sql);
    this.log = new ConfigLog(this.sql);
    const migrations = new SQLSchemaMigrations({ doStorage: ctx.storage, migrations: CONFIG_MIGRATIONS });
    void ctx.blockConcurrencyWhile(() => migrations.runAll());
  }

  /** The live version of `section`, or null before the first write (the env defaults are in force). */
  async get<S extends ConfigSection>(section: S): Promise<ConfigVersion<S> | null> {
    return this.log.latest(section) ?? null;
  }

  /** The audit log of `section`, newest first (at most {@link MAX_HISTORY}). */
  async versions<S extends ConfigSection>(section: S): Promise<ConfigHistory<S>> {
    const versions = this.log.history(section, MAX_HISTORY);
    return { section, current: versions[0]?.version ?? 0, versions };
  }

  /** Every section whose live version is above what the reader holds (one call per reader refresh). */
  async changesSince(known: SectionVersions): Promise<ConfigChanges> {
    const changes: ConfigChanges = {};
    for (const [section, version] of this.log.latestVersions()) {
      if (version > (known?.[section] ?? 0)) {
        (changes as Record<string, ConfigVersion>)[section] = this.log.latest(section) as ConfigVersion;
      }
    }
    return changes;
  }

  /**
   * Writes a new version of `section` if `ifMatch` is the live one (0 before the first write):
   * validated by the section's schema, pushed to its subscribers, then recorded. A refusal
   * leaves the live version as it was.
   */
  async put<S extends ConfigSection>(
    section: S,
    document: unknown,
    ifMatch: number,
    who: ConfigAuthor,
  ): Promise<ConfigWrite<S>> {
    return this.serialized(async () => {
      const validated = validateDocument(section, document);
      if (!validated.ok) {
        const first = validated.issues[0];
        return {
          ok: false,
          code: "invalid_config",
          message: `The ${section} document is invalid at ${first?.path}: ${first?.message.replace(/\.$/, "")}.`,
          issues: validated.issues,
        };
      }
      return this.write(section, validated.document, ifMatch, who);
    });
  }

  /** Writes a new version equal to version `to` (the audit log keeps both). */
  async rollback<S extends ConfigSection>(
    section: S,
    to: number,
    ifMatch: number | undefined,
    who: ConfigAuthor,
  ): Promise<ConfigWrite<S>> {
    return this.serialized(async () => {
      const old = this.log.at(section, to);
      if (!old) {
        return { ok: false, code: "config_version_not_found", message: `${section} has no version ${to}.` };
      }
      return this.write(section, old.document, ifMatch ?? this.log.latest(section)?.version ?? 0, who);
    });
  }

  private async write<S extends ConfigSection>(
    section: S,
    document: ConfigVersion<S>["document"],
    ifMatch: number,
    who: ConfigAuthor,
  ): Promise<ConfigWrite<S>> {
    const current = this.log.latest(section)?.version ?? 0;
    if (ifMatch !== current) {
      return {
        ok: false,
        code: "config_version_mismatch",
        message: `${section} is at version ${current}, not ${ifMatch}: read it again and reapply your change.`,
        current,
      };
    }
    const at = Date.now();
    const entry: ConfigVersion<S> = {
      section,
      version: current + 1,
      author: who.author.slice(0, MAX_AUTHOR_CHARS),
      reason: who.reason.slice(0, MAX_REASON_CHARS),
      at: new Date(at).toISOString(),
      at_ms: at,
      document,
    };
    const refused = await pushToSubscribers(this.env, entry);
    if (refused) return refused;
    this.log.append(entry);
    return { ok: true, entry };
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const next = this.writing.then(run, run);
    this.writing = next.catch(() => undefined);
    return next;
  }
}
