/**
 * The state of one matching engine, as the modules that run its commands see
 * it. `MatchingEngine` implements it with its own fields and passes itself to
 * those modules' plain functions, so they share one object (one hidden class)
 * and never import the engine.
 */
import type { BookSide } from "./book-side.ts";
import type { ExpiryQueue } from "./expiry-queue.ts";
import type { Order } from "./order.ts";
import type { OrderIndex } from "./order-index.ts";
import type { PriceLevel } from "./price-level.ts";
import type { StopBook } from "./stop-book.ts";
import type { EngineOptions } from "./types.ts";

export interface EngineState {
  readonly bids: BookSide;
  readonly asks: BookSide;
  readonly buyStops: StopBook;
  readonly sellStops: StopBook;
  /** GTD orders by expiry time. */
  readonly expiries: ExpiryQueue;
  /** Resting orders and untriggered stops by id. */
  readonly live: OrderIndex;
  readonly options: Required<EngineOptions>;
  /** Price of the last trade; 0 before the first. */
  lastPrice: number;
  nextTradeId: number;
  nextPriority: number;
  /** The latest `now` seen (epoch ms). */
  clock: number;
  /** Counts commands: a level whose `touched` equals it has been changed by the current one. */
  stamp: number;
  /**
   * Levels changed by the current command: the first `touchedCount` entries.
   * A count rather than `length = 0`, which is a slow runtime call (it also drops the backing store).
   */
  readonly touched: PriceLevel[];
  touchedCount: number;
  /** Stops triggered during the current command, waiting to execute. */
  readonly triggered: Order[];
  /** The taker being matched when it is not expected to rest (see `place`); never listed or linked. */
  readonly scratch: Order;
}
