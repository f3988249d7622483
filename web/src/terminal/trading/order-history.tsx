/** Recent orders of any status (open ones too), newest first, with their average price and fees. */
import type { Order } from "@platform3/client";
import { OrderCells, OrderHeader } from "./order-cells.tsx";

export function OrderHistory({ orders, showInstrument }: { orders: Order[]; showInstrument: boolean }) {
  return (
    <div data-testid="order-history" class="account-table">
      <table>
        <caption class="visually-hidden">Order history</caption>
        <thead>
          <tr>
            <OrderHeader showInstrument={showInstrument} sizeLabel="Size (total)" />
            <th scope="col" class="num">
              Avg price
            </th>
            <th scope="col" class="num">
              Fees
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) => (
            <tr
              key={order.order_id}
              data-testid="history-order"
              data-order-id={order.order_id}
              data-status={order.status}
            >
              <OrderCells order={order} showInstrument={showInstrument} />
              <td class="num">{order.average_price ?? <span class="muted">—</span>}</td>
              <td class="num">
                {order.fees} <span class="muted">{order.fee_asset}</span>
              </td>
            </tr>
          ))}
          {orders.length === 0 && (
            <tr>
              <td colSpan={showInstrument ? 11 : 10} class="muted">
                No orders yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
