/**
 * The fault schedule of `npm run bench:load -- --faults`, spread over the load
 * window (fractions of it in brackets):
 * - object crashes every `abortEveryMs`, alternating a random book and a random
 *   account (`POST /v1/faults` `abort`: `ctx.abort()`, calls in flight fail);
 * - Postgres unreachable for `postgresDownMs` [0.25]: the Neon bridge cuts every
 *   connection and refuses new ones, so the Queue consumer's batches fail and come back;
 * - Redis unreachable [0.5] (connections reset), then redis-server stopped [0.7],
 *   `redisDownMs` each (when redis-server is installed);
 * - queue batches replayed every `resendEveryMs`: a random book and account send
 *   their newest 200 already-delivered journal events again.
 * Each fault is logged with its time; `results` counts what was done.
 */

import type { SwitchedRedis } from "../../scripts/redis-switch.ts";
import { type FaultOutcome, sleep } from "../../test/client/index.ts";
import { client, OPERATOR } from "./setup.ts";
import type { LoadStack } from "./stack.ts";

export interface FaultPlan {
  seconds: number;
  abortEveryMs: number;
  resendEveryMs: number;
  postgresDownMs: number;
  redisDownMs: number;
}

export interface FaultTally {
  aborts: number;
  abortsFailed: number;
  resends: number;
  resentEvents: number;
  postgresOutages: number;
  redisOutages: number;
}

export async function runFaults(
  stack: LoadStack,
  plan: FaultPlan,
  targets: { books: readonly string[]; accounts: readonly string[] },
  stopped: () => boolean,
  log: (line: string) => void,
): Promise<FaultTally> {
  const tally: FaultTally = {
    aborts: 0,
    abortsFailed: 0,
    resends: 0,
    resentEvents: 0,
    postgresOutages: 0,
    redisOutages: 0,
  };
  const started = Date.now();
  const at = (fraction: number) => started + fraction * plan.seconds * 1000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
  const admin = client(stack.base, OPERATOR);
  const fault = (body: object) => admin.call<FaultOutcome>("POST", "/v1/faults", body);

  const aborts = (async () => {
    let book = true;
    while (!stopped()) {
      await sleep(plan.abortEveryMs * (0.5 + Math.random()));
      if (stopped()) break;
      const target = book ? "book" : "account";
      const id = pick(book ? targets.books : targets.accounts);
      book = !book;
      const a = await fault({ target, id, kind: "abort" });
      const aborted = a.ok && a.status === 200 ? a.body.aborted : undefined;
      if (aborted) tally.aborts++;
      else tally.abortsFailed++;
      log(`  fault: abort ${target} ${id} → ${aborted === undefined ? a.status : aborted ? "crashed" : "answered"}`);
    }
  })();

  const resends = (async () => {
    while (!stopped()) {
      await sleep(plan.resendEveryMs);
      if (stopped()) break;
      for (const [target, id] of [
        ["book", pick(targets.books)],
        ["account", pick(targets.accounts)],
      ] as const) {
        const a = await fault({ target, id, kind: "resend", events: 200 });
        if (a.ok && a.status === 200) {
          tally.resends++;
          tally.resentEvents += a.body.resent;
        }
      }
    }
  })();

  const outage = async (when: number, ms: number, what: string, down: () => Promise<void>, up: () => Promise<void>) => {
    await sleep(Math.max(0, when - Date.now()));
    if (stopped()) return;
    log(`  fault: ${what} for ${ms / 1000} s`);
    await down();
    await sleep(ms);
    await up();
    log(`  fault: ${what} over`);
  };

  const postgres = outage(
    at(0.25),
    plan.postgresDownMs,
    "Postgres unreachable",
    async () => {
      stack.bridge.setAvailable(false);
      tally.postgresOutages++;
    },
    async () => stack.bridge.setAvailable(true),
  );
  const redisOutages = async (r: SwitchedRedis): Promise<void> => {
    const modes = [
      [0.5, "reset", "Redis connections reset"],
      [0.7, "redis-down", "redis-server stopped"],
    ] as const;
    for (const [fraction, mode, what] of modes) {
      await outage(
        at(fraction),
        plan.redisDownMs,
        what,
        async () => {
          await r.setMode(mode);
          tally.redisOutages++;
        },
        () => r.setMode("up"),
      );
    }
  };
  if (!stack.redis) log("  fault: no redis-server installed, Redis outages skipped");
  const redis = stack.redis ? redisOutages(stack.redis) : Promise.resolve();

  await Promise.all([aborts, resends, postgres, redis]);
  return tally;
}
