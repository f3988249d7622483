/**
 * The Durable Object backend: one RateLimiter object per subject, all of a
 * subject's rules in one RPC, the IP's and the key's objects in parallel.
 */
import type { RateLimiter } from "../../../../durable-objects/rate-limiter/index.ts";
import type { LimiterBackend, LimitOutcome, LimitRule } from "./backend.ts";

export function durableObjectBackend(namespace: DurableObjectNamespace<RateLimiter>): LimiterBackend {
  return {
    name: "durable_object",
    async check(rules) {
      const bySubject = new Map<string, LimitRule[]>();
      for (const rule of rules) {
        const group = bySubject.get(rule.subject);
        if (group) group.push(rule);
        else bySubject.set(rule.subject, [rule]);
      }
      const answers = await Promise.all(
        [...bySubject].map(async ([subject, group]) => {
          const outcomes: LimitOutcome[] = await namespace.get(namespace.idFromName(subject)).check(group);
          return group.map((rule, i) => [rule, outcomes[i]] as const);
        }),
      );
      const byRule = new Map(answers.flat());
      return { backend: "durable_object", outcomes: rules.map((rule) => byRule.get(rule) as LimitOutcome) };
    },
  };
}
