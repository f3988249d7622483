/**
 * The account as the panels see it, and how each source changes it: REST pages (the first load
 * and every refetch), the user channel's snapshot and its order, fill and balance messages, and
 * the replies of this tab's own requests. Pure functions over immutable maps; the store
 * (account-store.tsx) holds the current value.
 *
 * Sources overlap and race (a REST page can answer after a newer stream message), so an order is
 * replaced only by a version at least as recent (`updated_at_ms`), and fills are keyed by fill id.
 */
import type { Balances, Fill, Order } from "@platform3/client";

export type Balance = Balances["balances"][number];

export interface AccountModel {
  /** Every order seen (open and done), by order id. */
  orders: ReadonlyMap<string, Order>;
  /** Fills by fill id. */
  fills: ReadonlyMap<string, Fill>;
  /** Balances by asset. */
  balances: ReadonlyMap<string, Balance>;
}

export const EMPTY_ACCOUNT: AccountModel = { orders: new Map(), fills: new Map(), balances: new Map() };

const OPEN_STATUSES = new Set<Order["status"]>(["pending_new", "new", "partially_filled"]);

export function isOpen(order: Order): boolean {
  return OPEN_STATUSES.has(order.status);
}

/** Newer (or equal: a done status beats an open one at the same instant) versions win. */
function newer(incoming: Order, current: Order | undefined): boolean {
  if (!current) return true;
  if (incoming.updated_at_ms !== current.updated_at_ms) return incoming.updated_at_ms > current.updated_at_ms;
  return !isOpen(incoming) || isOpen(current);
}

export function withOrders(model: AccountModel, orders: readonly Order[]): AccountModel {
  if (orders.length === 0) return model;
  const next = new Map(model.orders);
  for (const order of orders) if (newer(order, next.get(order.order_id))) next.set(order.order_id, order);
  return { ...model, orders: next };
}

export function withFills(model: AccountModel, fills: readonly Fill[]): AccountModel {
  const fresh = fills.filter((f) => !model.fills.has(f.fill_id));
  if (fresh.length === 0) return model;
  const next = new Map(model.fills);
  for (const fill of fresh) next.set(fill.fill_id, fill);
  return { ...model, fills: next };
}

/** Changed balances (a `balance` message carries only the assets that changed). */
export function withBalances(model: AccountModel, balances: readonly Balance[]): AccountModel {
  const next = new Map(model.balances);
  for (const b of balances) next.set(b.asset, b);
  return { ...model, balances: next };
}

/** Every balance (REST, or a snapshot): assets no longer listed go away. */
export function replaceBalances(model: AccountModel, balances: readonly Balance[]): AccountModel {
  return { ...model, balances: new Map(balances.map((b) => [b.asset, b])) };
}

/**
 * A user-channel snapshot: the open orders and every balance at its seq. An order we held as open
 * that the snapshot leaves out ended while we were not looking: it is dropped here, and
 * `vanished` tells the store to refetch so its final state (filled, cancelled …) comes back.
 */
export function withSnapshot(
  model: AccountModel,
  orders: readonly Order[],
  balances: readonly Balance[],
): { model: AccountModel; vanished: boolean } {
  const listed = new Set(orders.map((o) => o.order_id));
  const next = new Map(model.orders);
  let vanished = false;
  for (const [id, order] of next) {
    if (isOpen(order) && !listed.has(id)) {
      next.delete(id);
      vanished = true;
    }
  }
  const merged = withOrders({ ...model, orders: next }, orders);
  return { model: replaceBalances(merged, balances), vanished };
}

/** Newest first (created time, then id for a stable order). */
export function ordersNewestFirst(model: AccountModel): Order[] {
  return [...model.orders.values()].sort(
    (a, b) => b.created_at_ms - a.created_at_ms || (a.order_id < b.order_id ? 1 : -1),
  );
}

/** Newest first (time, then the book's sequence). */
export function fillsNewestFirst(model: AccountModel): Fill[] {
  return [...model.fills.values()].sort((a, b) => b.time_ms - a.time_ms || b.seq - a.seq);
}

export function balancesByAsset(model: AccountModel): Balance[] {
  return [...model.balances.values()].sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
}
