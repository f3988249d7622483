/**
 * A feed shard's limits, following the live configuration: the FEED_* vars first, then each new
 * `feed` version laid over them in place (every part of the shard holds the same object, so it
 * sees the new limits), and the versions the shard holds, passed to the accounts it calls
 * (CallOptions.config_versions) so they follow a change as soon as the shard has seen it.
 */
import { feedLimitsWith } from "../../shared/config/feed.ts";
import { LiveConfig } from "../../shared/config/live-cache.ts";
import type { SectionVersions } from "../../shared/config/sections.ts";
import { type FeedLimits, type FeedLimitsEnv, feedLimits } from "../../shared/feed/limits.ts";
import type { ConfigStore } from "../config/index.ts";
import { configStub } from "../config/stub.ts";

export interface LiveLimitsEnv extends FeedLimitsEnv {
  /** The live configuration: its `feed` section is laid over the FEED_* vars (docs/configuration.md). */
  CONFIG?: DurableObjectNamespace<ConfigStore>;
}

export class LiveFeedLimits {
  /** Updated in place by a new `feed` version. */
  readonly limits: FeedLimits;
  private readonly env: LiveLimitsEnv;
  private readonly config: LiveConfig | undefined;
  private feedVersion = 0;

  constructor(env: LiveLimitsEnv) {
    this.env = env;
    this.limits = feedLimits(env);
    const ns = env.CONFIG;
    this.config = ns ? new LiveConfig({ fetchChanges: (known) => configStub(ns).changesSince(known) }) : undefined;
  }

  /** The versions this shard's copy holds (refreshed when stale), for the accounts it calls. */
  hints(keepAlive: (promise: Promise<unknown>) => void): SectionVersions | undefined {
    if (!this.config?.isLoaded) return undefined;
    this.config.current("feed", keepAlive);
    return this.config.versions();
  }

  /** Lays a new `feed` version over the vars (waits only for the first load). */
  async follow(): Promise<void> {
    if (!this.config) return;
    if (!this.config.isLoaded) await this.config.ready();
    const entry = this.config.current("feed");
    if (!entry || entry.version === this.feedVersion) return;
    this.feedVersion = entry.version;
    const { limits, error } = feedLimitsWith(this.env, entry.document);
    if (error) console.warn(JSON.stringify({ level: "warn", msg: "feed configuration not applied", error }));
    Object.assign(this.limits, limits);
  }
}
