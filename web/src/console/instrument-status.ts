/** Instrument statuses and what each lets the book do (shared/instruments/schema.ts `statusAllows`). */
import type { Instrument } from "@platform3/client";

export type InstrumentStatus = Instrument["status"];
/** The statuses an operator sets (`failover` is the registry's alone). */
export type OperatorStatus = Exclude<InstrumentStatus, "failover">;

const FAILOVER = {
  id: "failover" as const,
  label: "failover",
  effect:
    "The home book cannot be reached: nothing trades, market data comes from the regional replicas, until the " +
    "book is restored in another region (POST /v1/admin/instruments/{symbol}/failover).",
};

export const STATUSES: readonly { id: OperatorStatus; label: string; effect: string }[] = [
  { id: "pre_open", label: "pre-open", effect: "No continuous matching and no new orders; cancels are accepted." },
  { id: "open", label: "open (resume)", effect: "Normal trading: every order is accepted and matched." },
  {
    id: "post_only",
    label: "post-only",
    effect: "Only post-only limit orders are accepted (nothing may take liquidity); resting orders still match.",
  },
  {
    id: "cancel_only",
    label: "cancel-only",
    effect: "No new orders; cancels are accepted and resting orders still match.",
  },
  { id: "halted", label: "halt", effect: "The book is frozen: no new orders and no matching; cancels are accepted." },
  { id: "closed", label: "closed", effect: "No trading at all; cancels are accepted." },
];

export function statusInfo(id: InstrumentStatus) {
  if (id === "failover") return FAILOVER;
  return STATUSES.find((s) => s.id === id) ?? { id, label: id, effect: "" };
}

export function statusTone(id: InstrumentStatus): "good" | "warn" | "bad" {
  return id === "open" ? "good" : id === "halted" || id === "closed" || id === "failover" ? "bad" : "warn";
}
