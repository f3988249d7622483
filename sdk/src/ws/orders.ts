/** Order entry on the feed socket (`order.*`), with the one safe retry of a placement. */
import type { Connection } from "./connection.ts";
import type { Requests } from "./requests.ts";
import type { AmendOrder, CancelAllFilter, CancelAllReply, NewOrder, OrderRef, OrderReply } from "./types.ts";

/** A fresh `client_order_id`. */
function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export class OrderEntry {
  private readonly requests: Requests;
  private readonly connection: Connection;

  constructor(requests: Requests, connection: Connection) {
    this.requests = requests;
    this.connection = connection;
  }

  /**
   * `order.place`, with a `client_order_id` (given one if it has none): a placement whose
   * socket dropped before the reply is sent again once, after the reconnect, and the desk
   * answers the first outcome (`replayed: true`) if the first one got through.
   */
  async place(order: NewOrder): Promise<OrderReply> {
    const params = { ...order, client_order_id: order.client_order_id ?? randomId() };
    try {
      return await this.requests.request<OrderReply>("order.place", params);
    } catch (err) {
      // Only the client's own verdict (the socket dropped) is retried, never the desk's.
      if (!this.requests.isDropped(err) || this.connection.closed) throw err;
      return this.requests.request<OrderReply>("order.place", params);
    }
  }

  amend(amend: AmendOrder): Promise<OrderReply> {
    return this.requests.request<OrderReply>("order.amend", amend);
  }

  cancel(ref: OrderRef): Promise<OrderReply> {
    return this.requests.request<OrderReply>("order.cancel", ref);
  }

  cancelAll(filter: CancelAllFilter): Promise<CancelAllReply> {
    return this.requests.request<CancelAllReply>("order.cancel_all", filter);
  }
}
