/**
 * What a section is before any version is written: the env vars, shown as a document, so that
 * `GET /v1/admin/config/{section}` answers version 0 with what is in force.
 */
import type { FeedLimitsEnv } from "../feed/limits.ts";
import { parseRateLimitsVar } from "../rate-limit/budget.ts";
import { DEFAULT_MAX_OPEN_ORDERS } from "../risk/pre-trade.ts";
import { FEED_KEYS, type FeedDocument } from "./feed.ts";
import { DEFAULT_ACCOUNT_CLASS } from "./risk.ts";
import type { ConfigSection, SectionDocuments } from "./sections.ts";

/** The vars the defaults come from. */
export interface ConfigDefaultsEnv extends FeedLimitsEnv {
  RATE_LIMITS?: string;
  MAX_OPEN_ORDERS?: string;
}

/** `MAX_OPEN_ORDERS` as a number, or undefined when unset or not a positive integer. */
export function maxOpenOrdersVar(env: ConfigDefaultsEnv): number | undefined {
  const n = Number(env.MAX_OPEN_ORDERS);
  return env.MAX_OPEN_ORDERS !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function defaultDocument<S extends ConfigSection>(section: S, env: ConfigDefaultsEnv): SectionDocuments[S] {
  const docs: { [K in ConfigSection]: () => SectionDocuments[K] } = {
    "rate-limits": () => {
      try {
        return parseRateLimitsVar(env.RATE_LIMITS) as SectionDocuments["rate-limits"];
      } catch {
        return {};
      }
    },
    feed: () => {
      const doc: Record<string, number> = {};
      for (const [key, name] of Object.entries(FEED_KEYS)) {
        const raw = env[name];
        if (raw !== undefined && raw !== "" && Number.isFinite(Number(raw))) doc[key] = Number(raw);
      }
      return doc as FeedDocument;
    },
    risk: () => ({
      classes: {
        [DEFAULT_ACCOUNT_CLASS]: { max_open_orders_per_instrument: maxOpenOrdersVar(env) ?? DEFAULT_MAX_OPEN_ORDERS },
      },
      accounts: {},
    }),
    fees: () => ({ instruments: {} }),
    instruments: () => ({}),
  };
  return docs[section]() as SectionDocuments[S];
}
