/**
 * Small builders and pickers for the engine's example tests, so a scenario
 * reads like an order ticket: `limit("b1", "alice", "buy", 100, 5)`.
 */
import { MatchingEngine } from "./engine.ts";
import type {
  AmendOrder,
  CancelAll,
  CancelOrder,
  Command,
  EngineEvent,
  EngineOptions,
  PlaceOrder,
  Side,
  Tick,
} from "./types.ts";

/** The clock the tests start at (epoch ms). */
export const T0 = 1_000_000;

type Extra = Partial<Omit<PlaceOrder, "type" | "id" | "account" | "side" | "kind">>;

export function limit(
  id: string,
  account: string,
  side: Side,
  price: number,
  qty: number,
  extra: Extra = {},
): PlaceOrder {
  return { type: "place", id, account, side, kind: "limit", price, qty, ...extra };
}

export function market(id: string, account: string, side: Side, qty: number, extra: Extra = {}): PlaceOrder {
  return { type: "place", id, account, side, kind: "market", qty, ...extra };
}

export function marketFunds(id: string, account: string, side: Side, funds: number, extra: Extra = {}): PlaceOrder {
  return { type: "place", id, account, side, kind: "market", funds, ...extra };
}

export function stop(
  id: string,
  account: string,
  side: Side,
  stopPrice: number,
  qty: number,
  extra: Extra = {},
): PlaceOrder {
  return { type: "place", id, account, side, kind: "stop", stopPrice, qty, ...extra };
}

export function stopLimit(
  id: string,
  account: string,
  side: Side,
  stopPrice: number,
  price: number,
  qty: number,
  extra: Extra = {},
): PlaceOrder {
  return { type: "place", id, account, side, kind: "stop_limit", stopPrice, price, qty, ...extra };
}

export function cancel(id: string, account?: string): CancelOrder {
  return account === undefined ? { type: "cancel", id } : { type: "cancel", id, account };
}

export function cancelAll(account: string, side?: Side): CancelAll {
  return side === undefined ? { type: "cancel_all", account } : { type: "cancel_all", account, side };
}

export function amend(id: string, fields: Omit<AmendOrder, "type" | "id">): AmendOrder {
  return { type: "amend", id, ...fields };
}

export function tick(): Tick {
  return { type: "tick" };
}

export type EventOf<T extends EngineEvent["type"]> = Extract<EngineEvent, { type: T }>;

/** The events of one type, in order. */
export function ofType<T extends EngineEvent["type"]>(events: EngineEvent[], type: T): EventOf<T>[] {
  return events.filter((e): e is EventOf<T> => e.type === type);
}

export const trades = (events: EngineEvent[]) => ofType(events, "trade");
export const dones = (events: EngineEvent[]) => ofType(events, "done");
export const levels = (events: EngineEvent[]) => ofType(events, "level");
export const rejections = (events: EngineEvent[]) => ofType(events, "rejected");

/** The event types in order: a compact way to assert a command's shape. */
export function types(events: EngineEvent[]): string[] {
  return events.map((e) => e.type);
}

/**
 * An engine with a clock: `run` executes at the current time (or `at`, which
 * becomes the new time), `seed` runs set-up commands and fails loudly if any
 * of them is rejected.
 */
export class Harness {
  readonly engine: MatchingEngine;
  now: number;

  constructor(options?: EngineOptions, now = T0) {
    this.engine = new MatchingEngine(options);
    this.now = now;
  }

  run(cmd: Command, at?: number): EngineEvent[] {
    if (at !== undefined) this.now = at;
    return this.engine.execute(cmd, this.now);
  }

  seed(...cmds: Command[]): this {
    for (const cmd of cmds) {
      const rejected = rejections(this.run(cmd));
      if (rejected.length > 0)
        throw new Error(`set-up command rejected: ${JSON.stringify(cmd)} → ${JSON.stringify(rejected)}`);
    }
    return this;
  }
}

/** A fresh harness with `cmds` already applied. */
export function book(...cmds: Command[]): Harness {
  return new Harness().seed(...cmds);
}
