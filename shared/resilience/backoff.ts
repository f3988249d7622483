/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the n-th retry waits a uniformly random time in [0, min(cap, base·2^n)], so
 * many clients that failed together do not come back together.
 */

/** The delay before retry `attempt` (0 for the first retry), in the unit of `base` and `cap`. */
export function fullJitter(attempt: number, base: number, cap: number, random: () => number = Math.random): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt, 52)));
  return Math.floor(random() * (ceiling + 1));
}
