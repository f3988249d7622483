/**
 * Fault injection for the load and fault suites (`npm run bench:load -- --faults`):
 * what an object can be asked to suffer, and the one switch that allows it.
 *
 * Only when the Worker's var `FAULT_ROUTES` is "true" (set by the load run alone;
 * wrangler.toml never does) do the objects obey; everywhere else they refuse, so a
 * stray call in production does nothing.
 */
import type { StreamOut } from "./stream-out.ts";

export type Fault =
  /** Reset the object as a crash would: in-flight calls fail, memory is rebuilt from storage. */
  | { kind: "abort" }
  /** Send the newest `events` already-accepted journal events to the Queue again (a redelivered batch). */
  | { kind: "resend"; events: number }
  /**
   * Be unreachable for `ms`, as a book whose region is cut off (books only): its unsent events go to
   * the Queue first, then every call fails as a reset object's does until the time is up
   * (`enforceOutage` at each start), alarms included.
   */
  | { kind: "outage"; ms: number };

export type FaultResult = { ok: true; resent?: number } | { ok: false; code: "faults_disabled" };

export function faultsEnabled(env: { FAULT_ROUTES?: string }): boolean {
  return env.FAULT_ROUTES === "true";
}

/**
 * Carries out `fault` on the object owning `ctx` and `stream`. An abort does not
 * return: `ctx.abort()` throws, and the caller's RPC rejects as a crashed object's would.
 */
export async function suffer(
  fault: Fault,
  env: { FAULT_ROUTES?: string },
  ctx: DurableObjectState,
  stream: Pick<StreamOut<{ seq: number }>, "resend" | "flush"> | undefined,
): Promise<FaultResult> {
  if (!faultsEnabled(env)) return { ok: false, code: "faults_disabled" };
  if (fault.kind === "abort") {
    ctx.abort("fault injection");
    return { ok: true };
  }
  if (fault.kind === "outage") {
    await stream?.flush();
    await ctx.storage.put(OUTAGE_KEY, Date.now() + fault.ms);
    // Durable before the reset, which would drop a write still waiting for the output gate.
    await ctx.storage.sync();
    ctx.abort("fault injection: outage");
    return { ok: true };
  }
  return { ok: true, resent: (await stream?.resend(fault.events)) ?? 0 };
}

/** Where an injected outage's end is kept (epoch ms); only `suffer` (and tests) write it. */
export const OUTAGE_KEY = "fault:outage_until";

/**
 * At an object's start (inside its `blockConcurrencyWhile`): while an injected outage lasts, the
 * object resets at once, so every call to it fails as an unreachable object's would. It does not
 * ask for `FAULT_ROUTES`: only a build with it (or a test) can have written the key.
 */
export async function enforceOutage(ctx: DurableObjectState): Promise<void> {
  const until = await ctx.storage.get<number>(OUTAGE_KEY);
  if (until === undefined) return;
  if (Date.now() < until) ctx.abort("fault injection: outage");
  await ctx.storage.delete(OUTAGE_KEY);
}
