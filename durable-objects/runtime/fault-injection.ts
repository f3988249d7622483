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
  | { kind: "resend"; events: number };

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
  stream: Pick<StreamOut<{ seq: number }>, "resend"> | undefined,
): Promise<FaultResult> {
  if (!faultsEnabled(env)) return { ok: false, code: "faults_disabled" };
  if (fault.kind === "abort") {
    ctx.abort("fault injection");
    return { ok: true };
  }
  return { ok: true, resent: (await stream?.resend(fault.events)) ?? 0 };
}
