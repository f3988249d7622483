/**
 * Order requests by reference, in the flat shape every protocol but REST's
 * paths uses (`{order_id | client_order_id, size?, price?, stop_price?}`): the
 * feed's `order.cancel` and `order.amend` and GraphQL's `order`, `cancelOrder`
 * and `amendOrder` parse them with these schemas, so they refuse the same
 * things; REST carries the reference in its path, in the same grammar.
 */
import { z } from "zod";
import { DecimalString, OrderIdString } from "../book/commands.ts";
import { type AmendOrder, ClientOrderIdString, type OrderRef } from "../orders/input.ts";

/** One order, by the exchange's id or by the client's: exactly one of the two. */
export const OrderRefSchema = z.union([
  z.object({ order_id: OrderIdString }).strict(),
  z.object({ client_order_id: ClientOrderIdString }).strict(),
]);

/** An amendment of one order: its reference and the new total size, price or stop price. */
export const AmendByRefSchema = z
  .object({
    order_id: OrderIdString.optional(),
    client_order_id: ClientOrderIdString.optional(),
    size: DecimalString.optional(),
    price: DecimalString.optional(),
    stop_price: DecimalString.optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.order_id === undefined) === (a.client_order_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["order_id"], message: "give exactly one of order_id and client_order_id" });
    }
    if (a.size === undefined && a.price === undefined && a.stop_price === undefined) {
      ctx.addIssue({ code: "custom", message: "give size, price or stop_price" });
    }
  });

export type AmendByRef = z.infer<typeof AmendByRefSchema>;

/** A parsed amendment split into the order it names and the change. */
export function splitAmend(amend: AmendByRef): { ref: OrderRef; change: AmendOrder } {
  const { order_id, client_order_id, size, price, stop_price } = amend;
  const ref: OrderRef = order_id !== undefined ? { order_id } : { client_order_id: client_order_id as string };
  const change: AmendOrder = {};
  if (size !== undefined) change.size = size;
  if (price !== undefined) change.price = price;
  if (stop_price !== undefined) change.stop_price = stop_price;
  return { ref, change };
}
