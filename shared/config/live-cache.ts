/**
 * A reader's copy of the configuration (an edge isolate's, an Account object's): answers
 * synchronously from memory, and refreshes in the background once its copy is `ttlMs` old, by
 * asking the ConfigStore for the sections whose version moved past the ones it holds (one small
 * call; unchanged sections travel as nothing). Only the first load is waited for, and only for
 * `firstLoadTimeoutMs`; a failed refresh keeps the last good copy (before any: the env defaults,
 * which the caller applies when `current` is undefined) and is retried after `ttlMs`.
 */
import {
  type ConfigChanges,
  type ConfigSection,
  type ConfigVersion,
  noVersions,
  type SectionVersions,
} from "./sections.ts";

export interface LiveConfigOptions {
  /** Asks the store for what changed since `known`. */
  fetchChanges: (known: SectionVersions) => Promise<ConfigChanges>;
  /** How old a copy may get before a read starts a refresh, ms (default 1000). */
  ttlMs?: number;
  /** Longest wait for the first load, ms (default 1000); past it, the env defaults answer. */
  firstLoadTimeoutMs?: number;
  clock?: () => number;
  /** Told about a failed refresh (default: one JSON line on console.warn). */
  warn?: (error: unknown) => void;
}

export class LiveConfig {
  private readonly options: Required<Omit<LiveConfigOptions, "fetchChanges">> & Pick<LiveConfigOptions, "fetchChanges">;
  private readonly entries = new Map<ConfigSection, ConfigVersion>();
  private readonly known: SectionVersions = noVersions();
  /** When the last refresh started (0: never). */
  private refreshedAt = 0;
  private inFlight: Promise<void> | undefined;
  private loaded = false;
  /** Successful refreshes and failures, for tests and metrics. */
  readonly stats = { refreshes: 0, failures: 0 };

  constructor(options: LiveConfigOptions) {
    if (typeof options.fetchChanges !== "function") throw new Error("LiveConfig: fetchChanges must be a function.");
    this.options = {
      fetchChanges: options.fetchChanges,
      ttlMs: options.ttlMs ?? 1_000,
      firstLoadTimeoutMs: options.firstLoadTimeoutMs ?? 1_000,
      clock: options.clock ?? Date.now,
      warn:
        options.warn ??
        ((error) =>
          console.warn(JSON.stringify({ level: "warn", msg: "configuration refresh failed", error: String(error) }))),
    };
    if (!(this.options.ttlMs > 0)) throw new Error("LiveConfig: ttlMs must be positive.");
  }

  /**
   * Resolves once the first load has answered, or after `firstLoadTimeoutMs` (each caller's own
   * timer: in a Worker a timer belongs to the request that set it); at once after that.
   */
  async ready(): Promise<void> {
    if (this.loaded) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.firstLoadTimeoutMs);
    });
    await Promise.race([this.refresh(), timeout]);
    if (timer !== undefined) clearTimeout(timer);
  }

  /** Whether the first load has answered (successfully or not). */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * The section's current version, or undefined (never written, or not loaded yet: use the
   * defaults). Starts a background refresh when the copy is stale; `keepAlive` (a Worker's
   * `waitUntil`) keeps that refresh running after the response.
   */
  current<S extends ConfigSection>(
    section: S,
    keepAlive?: (promise: Promise<unknown>) => void,
  ): ConfigVersion<S> | undefined {
    if (this.options.clock() - this.refreshedAt >= this.options.ttlMs) {
      const refresh = this.refresh();
      keepAlive?.(refresh);
    }
    return this.entries.get(section) as ConfigVersion<S> | undefined;
  }

  /** The version of `section` this copy holds (0: none). */
  version(section: ConfigSection): number {
    return this.known[section];
  }

  /** The versions this copy holds, every section (0: none): what a caller hands on as a hint. */
  versions(): SectionVersions {
    return { ...this.known };
  }

  /**
   * Given the versions a caller holds (`hint`, e.g. the edge's, passed along with an order), a
   * refresh to wait for when any of them is newer than this copy's; undefined when this copy is
   * as new. So a reader with a long TTL follows a change as soon as a caller has seen it.
   */
  catchUp(hint: Partial<SectionVersions> | undefined): Promise<void> | undefined {
    if (!hint || !this.behind(hint)) return undefined;
    // A refresh in flight may have asked before the change: wait for it, then ask again if still behind.
    const pending = this.inFlight ?? Promise.resolve();
    return pending.then(() => {
      if (!this.behind(hint)) return;
      this.inFlight = undefined;
      return this.refresh();
    });
  }

  private behind(hint: Partial<SectionVersions>): boolean {
    for (const [section, version] of Object.entries(hint)) {
      const known = this.known[section as ConfigSection];
      if (known !== undefined && typeof version === "number" && version > known) return true;
    }
    return false;
  }

  /** Asks the store now (one call at a time); never rejects. */
  refresh(): Promise<void> {
    const now = this.options.clock();
    // A refresh whose request ended without keeping it alive may never settle: past 3 TTLs, start another.
    if (this.inFlight && now - this.refreshedAt < 3 * this.options.ttlMs) return this.inFlight;
    this.refreshedAt = now;
    const known = { ...this.known };
    const attempt: Promise<void> = Promise.resolve()
      .then(() => this.options.fetchChanges(known))
      .then((changes) => this.take(changes))
      .catch((error: unknown) => {
        this.stats.failures++;
        this.options.warn(error);
      })
      .finally(() => {
        this.loaded = true;
        if (this.inFlight === attempt) this.inFlight = undefined;
      });
    this.inFlight = attempt;
    return attempt;
  }

  /** Keeps the entries newer than what this copy holds (versions only move forward). */
  private take(changes: ConfigChanges): void {
    for (const entry of Object.values(changes)) {
      if (!entry || entry.version <= this.known[entry.section]) continue;
      this.entries.set(entry.section, entry);
      this.known[entry.section] = entry.version;
    }
    this.stats.refreshes++;
  }
}
