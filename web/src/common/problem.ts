/** What the pages show for a refusal: the API's stable code, its reason, and its detail. */
import { Platform3Error, TransportError } from "@platform3/client";

export interface ShownError {
  code: string;
  reason?: string;
  detail: string;
  status?: number;
}

export function shownError(err: unknown): ShownError {
  if (err instanceof Platform3Error) {
    return {
      code: err.code,
      ...(err.reason ? { reason: err.reason } : {}),
      detail: err.problem.detail ?? err.problem.title ?? err.message,
      status: err.status,
    };
  }
  if (err instanceof TransportError) return { code: "network", detail: err.message };
  return { code: "error", detail: err instanceof Error ? err.message : String(err) };
}

/** One line: `order_rejected (instrument_halted): the instrument is halted`. */
export function errorLine(err: unknown): string {
  const e = shownError(err);
  return `${e.code}${e.reason ? ` (${e.reason})` : ""}: ${e.detail}`;
}
