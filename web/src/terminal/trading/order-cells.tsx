/** The columns an order shows in the open-orders and history tables (exact strings as the API sent them). */
import type { Order } from "@platform3/client";
import type { ComponentChildren } from "preact";

const TYPE_NAMES: Record<string, string> = { limit: "limit", market: "market", stop: "stop", stop_limit: "stop limit" };

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

export function OrderHeader({ showInstrument, sizeLabel }: { showInstrument: boolean; sizeLabel: string }) {
  return (
    <>
      <th scope="col">Time</th>
      {showInstrument && <th scope="col">Instrument</th>}
      <th scope="col">Side</th>
      <th scope="col">Type</th>
      <th scope="col" class="num">
        Price
      </th>
      <th scope="col" class="num">
        Stop
      </th>
      <th scope="col" class="num">
        {sizeLabel}
      </th>
      <th scope="col" class="num">
        Filled
      </th>
      <th scope="col">Status</th>
    </>
  );
}

export function StatusBadge({ order }: { order: Order }) {
  const tone =
    order.status === "filled"
      ? "good"
      : order.status === "rejected"
        ? "bad"
        : order.status === "cancelled" || order.status === "expired"
          ? ""
          : "warn";
  const why = order.reject_reason ?? order.reject_code ?? order.done_reason ?? undefined;
  return (
    <span class={`badge ${tone}`} title={why ?? undefined}>
      {order.status.replace("_", " ")}
    </span>
  );
}

/** Time … status cells; `price` and `size` may be replaced (the amend row puts inputs there). */
export function OrderCells({
  order,
  showInstrument,
  price,
  size,
}: {
  order: Order;
  showInstrument: boolean;
  price?: ComponentChildren;
  size?: ComponentChildren;
}) {
  return (
    <>
      <td class="num time">
        <time dateTime={order.created_at}>{clock(order.created_at_ms)}</time>
      </td>
      {showInstrument && <td>{order.instrument}</td>}
      <td class={order.side}>{order.side}</td>
      <td>{TYPE_NAMES[order.type] ?? order.type}</td>
      <td class="num">{price ?? order.price ?? <span class="muted">market</span>}</td>
      <td class="num">{order.stop_price ?? <span class="muted">—</span>}</td>
      <td class="num">{size ?? order.size ?? <span class="muted">funds {order.funds}</span>}</td>
      <td class="num">{order.filled_size}</td>
      <td>
        <StatusBadge order={order} />
      </td>
    </>
  );
}
