/**
 * The registry's alarm plan for books that follow the session: which listings' scheduled home
 * (shared/geo/home-schedule.ts) differs from where the book is now, and when the next boundary
 * of any schedule comes. The alarm moves the first and wakes again at the second. A book moved
 * since the entry in force began (by an operator) stays where it is until the next boundary.
 */
import { currentSince, nextBoundary, scheduledRegion } from "../../shared/geo/home-schedule.ts";
import type { HomeRegion, Instrument } from "../../shared/instruments/schema.ts";

/** How soon the alarm tries again while a move waits (one that failed, or one recorded half-way), ms. */
export const MOVE_RETRY_MS = 5_000;

export interface SchedulePlan {
  /** Listings whose book is not where their schedule says now. */
  due: Array<{ symbol: string; region: HomeRegion }>;
  /** The next boundary of any schedule (epoch ms), or undefined when no listing has one. */
  nextAt: number | undefined;
}

export function schedulePlan(
  listings: readonly Instrument[],
  now: number,
  movedAt: (symbol: string) => number | undefined = () => undefined,
): SchedulePlan {
  const due: SchedulePlan["due"] = [];
  let nextAt: number | undefined;
  for (const listing of listings) {
    const schedule = listing.home_schedule;
    if (!schedule || schedule.length === 0) continue;
    const region = scheduledRegion(schedule, now);
    const moved = movedAt(listing.symbol);
    const overridden = moved !== undefined && moved >= currentSince(schedule, now);
    if (region !== listing.home_region && !overridden) due.push({ symbol: listing.symbol, region });
    const boundary = nextBoundary(schedule, now).at;
    nextAt = nextAt === undefined ? boundary : Math.min(nextAt, boundary);
  }
  return { due, nextAt };
}

/** When the alarm must run: now-ish while anything is due or pending, else the next boundary. */
export function alarmAt(plan: SchedulePlan, pendingMoves: number, now: number, failed = false): number | undefined {
  if (pendingMoves > 0 || (plan.due.length > 0 && failed)) return now + MOVE_RETRY_MS;
  if (plan.due.length > 0) return now;
  return plan.nextAt;
}
