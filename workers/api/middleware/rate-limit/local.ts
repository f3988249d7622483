/**
 * A per-isolate front for the shared limiter (Upstash or the RateLimiter objects): a
 * request clearly under every one of its limits is decided here, without a round trip,
 * and what this isolate admitted is reported to the shared limiter in the background
 * (`waitUntil`), one call per subject at most every `syncEveryMs`, by the request that
 * finds the last report that old. A request near a limit, or one whose
 * rules this isolate has not seen lately, is checked by the shared limiter (with the
 * unreported units first), exactly as without the front.
 *
 * "Clearly under": after the request, at least `headroom` of the bucket (default 10 %)
 * is left as this isolate knows it. One isolate is therefore exact; several admit at
 * most their unreported units beyond a limit, which the next report turns into debt the
 * subject pays off (see `force` in the GCRA).
 */
import type { CheckResult, LimiterBackend, LimitOutcome, LimitRule } from "./backend.ts";

export interface LocalFrontOptions {
  /** Share of each bucket that must remain after a locally admitted request (default 0.1). */
  headroom?: number;
  /** Longest time between two reports of one subject, ms (default 1 000); a shared answer is trusted 4 times as long. */
  syncEveryMs?: number;
  clock?: () => number;
}

/** The local view of one rule's bucket (GCRA: its theoretical arrival time). */
interface Bucket {
  tat: number;
  /** Units admitted here and not yet reported to the shared limiter. */
  unreported: number;
  /** When the shared limiter last answered for this rule. */
  syncedAt: number;
}

export interface CheckContext {
  /** Keeps a background report alive after the response (the request's `waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface LocalFront extends LimiterBackend {
  check(rules: readonly LimitRule[], context?: CheckContext): Promise<CheckResult>;
}

const EPSILON = 1e-6;
const MAX_BUCKETS = 50_000;

export function localFront(shared: LimiterBackend, options: LocalFrontOptions = {}): LocalFront {
  const headroom = options.headroom ?? 0.1;
  const syncEveryMs = options.syncEveryMs ?? 1_000;
  const clock = options.clock ?? Date.now;
  if (!(headroom >= 0 && headroom < 1)) throw new Error("localFront: headroom is a share in [0, 1).");
  if (!(syncEveryMs > 0)) throw new Error("localFront: syncEveryMs must be positive.");
  const buckets = new Map<string, Bucket>();
  /** Subjects with a report scheduled or under way. */
  const reporting = new Set<string>();
  const keyOf = (r: LimitRule) => `${r.subject}\u0000${r.name}\u0000${r.limit}/${r.windowMs}`;

  /** The outcome GCRA gives `rule` against `tat` now, and the TAT after it. */
  const decide = (rule: LimitRule, tat: number, now: number): { outcome: LimitOutcome; tat: number } => {
    const interval = rule.windowMs / rule.limit;
    const from = Math.max(tat, now);
    const next = from + rule.cost * interval;
    const allowed = next - now <= rule.windowMs + EPSILON;
    const at = allowed ? next : from;
    const outcome: LimitOutcome = {
      name: rule.name,
      limit: rule.limit,
      windowMs: rule.windowMs,
      remaining: Math.max(0, Math.floor((rule.windowMs - (at - now)) / interval + EPSILON)),
      resetMs: Math.max(0, at - now),
      allowed,
    };
    if (!allowed) outcome.retryAfterMs = Math.max(0, next - now - rule.windowMs);
    return { outcome, tat: at };
  };

  /** Takes a shared answer for `rule` (TAT = now + resetMs), keeping units admitted here meanwhile. */
  const learn = (rule: LimitRule, outcome: LimitOutcome, now: number, stillUnreported: number) => {
    if (buckets.size >= MAX_BUCKETS && !buckets.has(keyOf(rule))) {
      for (const [k, b] of buckets) if (b.tat <= now && b.unreported === 0) buckets.delete(k);
      if (buckets.size >= MAX_BUCKETS) return;
    }
    const interval = rule.windowMs / rule.limit;
    buckets.set(keyOf(rule), {
      tat: now + outcome.resetMs + stillUnreported * interval,
      unreported: stillUnreported,
      syncedAt: now,
    });
  };

  /** When each subject's last report started. */
  const reportedAt = new Map<string, number>();

  /**
   * Reports `subject`'s unreported units (one shared call) if its last report is `syncEveryMs`
   * old; otherwise they wait for a later request (or the next shared check) to carry them.
   */
  const maybeReport = (subject: string, rules: readonly LimitRule[], context: CheckContext) => {
    const now = clock();
    if (reporting.has(subject) || !context.waitUntil || now - (reportedAt.get(subject) ?? 0) < syncEveryMs) return;
    const pending = rules.flatMap((r) => {
      const b = buckets.get(keyOf(r));
      return b && b.unreported > 0 ? [{ rule: r, units: b.unreported }] : [];
    });
    if (pending.length === 0) return;
    reporting.add(subject);
    reportedAt.set(subject, now);
    if (reportedAt.size > MAX_BUCKETS) reportedAt.clear();
    for (const { rule } of pending) (buckets.get(keyOf(rule)) as Bucket).unreported = 0;
    const report = shared
      .check(pending.map(({ rule, units }) => ({ ...rule, cost: units, force: true })))
      .then(({ outcomes }) => {
        const later = clock();
        pending.forEach(({ rule }, i) => {
          const answer = outcomes[i];
          const b = buckets.get(keyOf(rule));
          if (answer && b) learn(rule, answer, later, b.unreported);
        });
      })
      .catch(() => {
        // Not reported: put the units back, the next report or shared check carries them.
        for (const { rule, units } of pending) {
          const b = buckets.get(keyOf(rule));
          if (b) b.unreported += units;
        }
      })
      .finally(() => reporting.delete(subject));
    context.waitUntil(report);
  };

  return {
    name: shared.name,
    async check(rules, context = {}) {
      const now = clock();
      // Locally: every rule known, fresh, and clearly under its limit after this request.
      const local: Array<{ bucket: Bucket; outcome: LimitOutcome; tat: number }> = [];
      for (const rule of rules) {
        const bucket = buckets.get(keyOf(rule));
        if (!bucket || now - bucket.syncedAt > syncEveryMs * 4 || rule.cost === 0) break;
        const decided = decide(rule, bucket.tat, now);
        const left = rule.windowMs - (decided.tat - now);
        if (!decided.outcome.allowed || left < headroom * rule.windowMs - EPSILON) break;
        local.push({ bucket, ...decided });
      }
      if (local.length === rules.length && rules.length > 0) {
        local.forEach(({ bucket, tat }, i) => {
          bucket.tat = tat;
          bucket.unreported += (rules[i] as LimitRule).cost;
        });
        const bySubject = new Map<string, LimitRule[]>();
        for (const r of rules) bySubject.set(r.subject, [...(bySubject.get(r.subject) ?? []), r]);
        for (const [subject, group] of bySubject) maybeReport(subject, group, context);
        return { backend: shared.name, outcomes: local.map((l) => l.outcome) };
      }
      // Shared: this request's rules, each after a report of what was admitted here meanwhile.
      const reports: LimitRule[] = [];
      for (const rule of rules) {
        const b = buckets.get(keyOf(rule));
        if (b && b.unreported > 0) {
          reports.push({ ...rule, cost: b.unreported, force: true });
          b.unreported = 0;
        }
      }
      let result: CheckResult;
      try {
        result = await shared.check([...reports, ...rules]);
      } catch (err) {
        // Not reported: the units stay for the next check.
        for (const r of reports) {
          const b = buckets.get(keyOf(r));
          if (b) b.unreported += r.cost;
        }
        throw err;
      }
      const answers = result.outcomes.slice(reports.length);
      const later = clock();
      rules.forEach((rule, i) => {
        const answer = answers[i];
        if (answer) learn(rule, answer, later, buckets.get(keyOf(rule))?.unreported ?? 0);
      });
      return { backend: result.backend, outcomes: answers };
    },
  };
}
