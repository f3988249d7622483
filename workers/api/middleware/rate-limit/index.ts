/**
 * Rate limits per client IP and per API key, weighted by route class, with a
 * tight budget on authentication attempts per IP. Every response carries the
 * IETF draft `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
 * of the most restrictive limit that applied; a refusal is a 429
 * `rate_limited` problem naming the limit, with `Retry-After`.
 *
 * Counters live in Upstash Redis when `UPSTASH_REDIS_REST_URL` and
 * `UPSTASH_REDIS_REST_TOKEN` are set (global), else in RateLimiter Durable
 * Objects (one per subject); an unreachable Redis falls back to the objects.
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { Context, MiddlewareHandler } from "hono";
import type { RouteClass } from "../../auth-context.ts";
import { clientIp } from "../../client-address.ts";
import type { AppEnv, Env } from "../../env.ts";
import { countRateLimitDecisions, countRateLimitUnavailable, watchBreaker } from "../../metrics/edge.ts";
import { problemException } from "../../problem.ts";
import { type Breaker, type LimiterBackend, type LimitOutcome, type LimitRule, withFallback } from "./backend.ts";
import { durableObjectBackend } from "./durable-object.ts";
import { type LocalFront, type LocalFrontOptions, localFront } from "./local.ts";
import {
  ipRules,
  ipSubject,
  keyRules,
  mostRestrictive,
  type RateLimitLimits,
  type RequestFacts,
  resolvePolicy,
} from "./policy.ts";
import { redisClientConfig, upstashBackend } from "./upstash.ts";

export type { LimiterBackend, LimitOutcome, LimitRule } from "./backend.ts";
export { memoryBackend, withFallback } from "./backend.ts";
export { durableObjectBackend } from "./durable-object.ts";
export { type LocalFrontOptions, localFront } from "./local.ts";
export type { Budget, RateLimitLimits } from "./policy.ts";
export { DEFAULT_LIMITS, DEFAULT_WEIGHTS } from "./policy.ts";
export { redisClientConfig, upstashBackend } from "./upstash.ts";

export interface RateLimitOptions {
  /** The request's route class (default `classifyRequest`: the declared route's, else by path). */
  classify?: (c: Context<AppEnv>) => RouteClass;
  /** Units per route class taken from the weighted `ip:all` / `key:all` budgets (merged over `DEFAULT_WEIGHTS`). */
  weights?: Partial<Record<RouteClass, number>>;
  /** Budgets, merged over `DEFAULT_LIMITS`; `false` turns one off. */
  limits?: RateLimitLimits;
  /**
   * Budgets that change without a restart (the `rate-limits` configuration section): asked on
   * every request, they replace `limits` while they answer an object (undefined: `limits`).
   * Answer the same object while nothing changed: a new one is validated once. One that does
   * not validate is logged and the last good budgets stay in force.
   */
  live?: (c: Context<AppEnv>) => Promise<RateLimitLimits | undefined> | RateLimitLimits | undefined;
  /**
   * Where the counters live (default `defaultBackend`: Upstash when configured, else Durable
   * Objects). Return the same object for the same configuration: the local front keeps its
   * buckets per backend object.
   */
  backend?: (env: Env) => LimiterBackend;
  /**
   * Decide requests clearly under their limits in this isolate, reporting to the backend in
   * the background (`local.ts`); `false` sends every check to the backend. Default on.
   */
  local?: LocalFrontOptions | false;
}

interface RequestState {
  ipChecked: boolean;
  keyChecked: boolean;
  outcomes: LimitOutcome[];
}

/**
 * The rate-limit middleware. Options are validated here, eagerly.
 *
 * Mount it after authentication (it reads `c.get("auth")?.keyId`), or both
 * before and after: each limit is checked once per request, the IP's before
 * authentication (so failed credentials count too), the key's after, and the
 * first mount sets the headers on whatever the response turns out to be.
 */
export function rateLimit(options: RateLimitOptions = {}): MiddlewareHandler<AppEnv> {
  const policy = resolvePolicy(options.weights, options.limits);
  const live = options.live;
  if (live !== undefined && typeof live !== "function")
    throw new Error("rateLimit: live must be a function (c) => RateLimitLimits | undefined.");
  let lastLive: { limits: RateLimitLimits; policy: typeof policy } | undefined;
  /** The policy in force for this request: the live budgets when there are some, else `limits`. */
  const policyFor = async (c: Context<AppEnv>) => {
    const limits = live ? await live(c) : undefined;
    if (!limits) return policy;
    if (lastLive?.limits === limits) return lastLive.policy;
    try {
      lastLive = { limits, policy: resolvePolicy(options.weights, limits) };
    } catch (err) {
      console.error(
        JSON.stringify({ level: "error", msg: "rate-limit configuration not applied", error: String(err) }),
      );
      // Keep the last good budgets; this one is not asked again until the document changes.
      lastLive = { limits, policy: lastLive?.policy ?? policy };
    }
    return lastLive.policy;
  };
  const classify = options.classify ?? classifyRequest;
  if (typeof classify !== "function") throw new Error("rateLimit: classify must be a function (c) => RouteClass.");
  const backendFor = options.backend ?? defaultBackend;
  if (typeof backendFor !== "function")
    throw new Error("rateLimit: backend must be a function (env) => LimiterBackend.");
  const states = new WeakMap<Request, RequestState>();
  const fronts = new WeakMap<LimiterBackend, LocalFront>();
  const limiterFor = (env: Env): LimiterBackend | LocalFront => {
    const backend = backendFor(env);
    if (options.local === false) return backend;
    let front = fronts.get(backend);
    if (!front) {
      front = localFront(backend, options.local);
      fronts.set(backend, front);
    }
    return front;
  };

  return async (c, next) => {
    let state = states.get(c.req.raw);
    const first = state === undefined;
    if (!state) {
      state = { ipChecked: false, keyChecked: false, outcomes: [] };
      states.set(c.req.raw, state);
    }
    const facts: RequestFacts = {
      routeClass: classify(c),
      method: c.req.method,
      ip: ipSubject(clientIp(c)),
      keyId: c.get("auth")?.keyId,
    };
    const rules: LimitRule[] = [];
    const inForce = await policyFor(c);
    if (!state.ipChecked) {
      rules.push(...ipRules(inForce, facts));
      state.ipChecked = true;
    }
    if (facts.keyId !== undefined && !state.keyChecked) {
      rules.push(...keyRules(inForce, facts));
      state.keyChecked = true;
    }
    if (rules.length > 0) {
      try {
        const { outcomes } = await limiterFor(c.env).check(rules, { waitUntil: waitUntilOf(c) });
        state.outcomes.push(...outcomes);
        countRateLimitDecisions(outcomes);
      } catch (err) {
        countRateLimitUnavailable(rules);
        // No limiter answered: let the request through rather than stop trading.
        console.error(
          JSON.stringify({ level: "error", msg: "rate limiter unavailable", path: c.req.path, error: String(err) }),
        );
      }
      const denied = mostRestrictive(state.outcomes);
      if (denied && !denied.allowed) throw refusal(c, denied);
    }
    await next();
    if (first) setHeaders(c, mostRestrictive(state.outcomes));
  };
}

/** The request's `waitUntil`, where it has an execution context (not in `app.request` tests). */
function waitUntilOf(c: Context<AppEnv>): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined;
  }
}

function rateLimitHeaders(outcome: LimitOutcome): Record<string, string> {
  return {
    "ratelimit-limit": String(outcome.limit),
    "ratelimit-remaining": String(outcome.remaining),
    "ratelimit-reset": String(Math.ceil(outcome.resetMs / 1000)),
  };
}

function setHeaders(c: Context<AppEnv>, outcome: LimitOutcome | undefined): void {
  if (!outcome) return;
  // A 429 of a limit further in (the account's order budget) already names the limit that refused.
  if (c.res.status === 429 && c.res.headers.has("ratelimit-limit")) return;
  const headers = Object.entries(rateLimitHeaders(outcome));
  try {
    for (const [name, value] of headers) c.res.headers.set(name, value);
  } catch {
    // Immutable headers (a response passed through from fetch or a stub): copy it once.
    if (c.res.status === 101) return;
    const res = new Response(c.res.body, c.res);
    for (const [name, value] of headers) res.headers.set(name, value);
    c.res = res;
  }
}

function refusal(c: Context<AppEnv>, outcome: LimitOutcome) {
  const retryAfter = Math.max(1, Math.ceil((outcome.retryAfterMs ?? outcome.resetMs) / 1000));
  return problemException(
    "rate_limited",
    `Rate limit ${outcome.name} exceeded (${outcome.limit} per ${describeWindow(outcome.windowMs)}); retry in ${retryAfter} s.`,
    {
      headers: { ...rateLimitHeaders(outcome), "retry-after": String(retryAfter) },
      extensions: { instance: c.req.path, limit: outcome.name, retry_after: retryAfter },
    },
  );
}

function describeWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? "hour" : `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return ms === 60_000 ? "minute" : `${ms / 60_000} min`;
  if (ms % 1000 === 0) return ms === 1000 ? "second" : `${ms / 1000} s`;
  return `${ms} ms`;
}

/** The route class the matched route declared (`c.get("route")`, see routing.ts), else `classifyByPath`. */
export function classifyRequest(c: Context<AppEnv>): RouteClass {
  return c.get("route")?.routeClass ?? classifyByPath(c);
}

/**
 * Route class from the method and path, for requests that matched no declared
 * route (404s, probes) or apps without route metadata:
 * `/v1/auth/*` auth, `/v1/admin/*` admin, orders (DELETE or a `cancel` path:
 * cancel; other writes: order entry; reads: account), accounts and keys
 * account, instruments and the feed market data, everything else system.
 */
export function classifyByPath(c: Context<AppEnv>): RouteClass {
  const path = c.req.path;
  const method = c.req.method;
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (under("/v1/auth")) return "auth";
  if (under("/v1/admin")) return "admin";
  if (under("/v1/orders")) {
    if (method === "DELETE" || /\/cancel/.test(path)) return "cancel";
    return method === "GET" || method === "HEAD" ? "account" : "order_entry";
  }
  if (under("/v1/accounts") || under("/v1/account") || under("/v1/keys") || under("/v1/fills")) return "account";
  if (under("/v1/instruments") || under("/v1/ws") || under("/v1/feed")) return "market_data";
  return "system";
}

/** The Durable Object backend of each namespace, per isolate (its local front's buckets live with it). */
const objectBackends = new WeakMap<object, LimiterBackend>();

/** Limiters of each Upstash database, per isolate: its clients, scripts and breaker outlive requests. */
const upstashByConfig = new Map<string, { backend: LimiterBackend; breaker: Breaker }>();

/**
 * Upstash Redis when `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`
 * are set, falling back to the Durable Objects while it is unreachable (a
 * warning is logged, and Redis is retried after a cool-off); else the
 * Durable Objects alone.
 */
export function defaultBackend(env: Env): LimiterBackend {
  let objects = objectBackends.get(env.RATE_LIMITER);
  if (!objects) {
    objects = durableObjectBackend(env.RATE_LIMITER);
    objectBackends.set(env.RATE_LIMITER, objects);
  }
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) return objects;
  const parsed = Number(env.RATE_LIMIT_REDIS_TIMEOUT_MS);
  const timeoutMs = Number.isSafeInteger(parsed) && parsed > 0 ? parsed : 1000;
  const id = `${url}\n${token}\n${timeoutMs}`;
  let upstash = upstashByConfig.get(id);
  if (!upstash) {
    const backend = createUpstash(url, token, timeoutMs);
    const breaker = { openUntil: 0 };
    watchBreaker("redis_rate_limit", () => (Date.now() < breaker.openUntil ? 2 : 0));
    upstash = { backend: withFallback(backend, objects, breaker), breaker };
    upstashByConfig.set(id, upstash);
  }
  return upstash.backend;
}

function createUpstash(url: string, token: string, timeoutMs: number): LimiterBackend {
  try {
    const redis = new Redis(redisClientConfig(url, token, timeoutMs));
    return upstashBackend(redis, { timeoutMs: timeoutMs + 250 });
  } catch (err) {
    // A malformed URL: report it through the fallback's warning on every cool-off.
    return {
      name: "upstash",
      check: async () => {
        throw err;
      },
    };
  }
}
