/**
 * Self-trade prevention: what happens when a taker meets a resting order of its
 * own account, by the taker's STP mode (see `SelfTradePrevention`).
 */
import type { EngineState } from "./engine-state.ts";
import { reducedEvent } from "./events.ts";
import { touch } from "./level-changes.ts";
import { removeLive } from "./live-orders.ts";
import type { Order } from "./order.ts";
import type { PriceLevel } from "./price-level.ts";
import type { DoneCause, EngineEvent } from "./types.ts";

/** Applies the taker's STP mode against a resting order of the same account; returns a cause to stop the taker. */
export function preventSelfTrade(
  state: EngineState,
  taker: Order,
  maker: Order,
  level: PriceLevel,
  want: number,
  out: EngineEvent[],
): DoneCause | null {
  switch (taker.stp) {
    case "cancel_newest":
      return "self_trade";
    case "cancel_oldest":
      removeLive(state, maker, "cancelled", "self_trade", out);
      return null;
    case "cancel_both":
      removeLive(state, maker, "cancelled", "self_trade", out);
      return "self_trade";
    case "decrement_and_cancel": {
      const cut = Math.min(want, maker.remaining);
      if (cut === maker.remaining) removeLive(state, maker, "cancelled", "self_trade", out);
      else {
        maker.remaining -= cut;
        maker.qty -= cut;
        level.total -= cut;
        touch(state, level);
        out[out.length] = reducedEvent(maker, cut);
      }
      // The taker is the smaller (or equal) side: cancel what is left of it.
      if (cut === want) return "self_trade";
      if (taker.funds > 0) taker.remainingFunds -= cut * level.price;
      else {
        taker.remaining -= cut;
        taker.qty -= cut;
      }
      out[out.length] = reducedEvent(taker, cut);
      return null;
    }
  }
}
