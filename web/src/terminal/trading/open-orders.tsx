/**
 * The open orders: per row an Amend (price and total size become inputs; Save sends the changed
 * fields only, Escape drops the edit) and a Cancel; above them "Cancel all" behind a confirmation.
 * Refusals are shown with their code and reason.
 */
import type { Order } from "@platform3/client";
import { useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { useAccount } from "./account-store.tsx";
import { AmendRow, type AmendValues } from "./amend-row.tsx";
import { CancelAllDialog } from "./cancel-all.tsx";
import { OrderCells, OrderHeader } from "./order-cells.tsx";

export function OpenOrders({ orders, showInstrument }: { orders: Order[]; showInstrument: boolean }) {
  const { rest } = useTerminal();
  const { applyReply } = useAccount();
  const [editing, setEditing] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);

  const act = async (orderId: string, request: () => Promise<void>) => {
    setBusy(orderId);
    setError(undefined);
    try {
      await request();
      return true;
    } catch (err) {
      setError(errorLine(err));
      return false;
    } finally {
      setBusy(undefined);
    }
  };

  const cancel = (order: Order) => act(order.order_id, async () => applyReply(await rest.cancelOrder(order.order_id)));

  const save = async (order: Order, changes: AmendValues) => {
    const ok = await act(order.order_id, async () => applyReply(await rest.amendOrder(order.order_id, changes)));
    if (ok) setEditing(undefined);
  };

  return (
    <div data-testid="open-orders" class="account-table">
      <div class="account-actions">
        <button type="button" class="danger" data-testid="cancel-all" onClick={() => setConfirming(true)}>
          Cancel all…
        </button>
        {error && (
          <p role="alert" class="trading-error" data-testid="orders-error">
            {error}
          </p>
        )}
      </div>
      <table>
        <caption class="visually-hidden">Open orders</caption>
        <thead>
          <tr>
            <OrderHeader showInstrument={showInstrument} sizeLabel="Size (total)" />
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((order) =>
            editing === order.order_id ? (
              <AmendRow
                key={order.order_id}
                order={order}
                showInstrument={showInstrument}
                busy={busy === order.order_id}
                onSave={(changes) => void save(order, changes)}
                onClose={() => setEditing(undefined)}
                onProblem={setError}
              />
            ) : (
              <tr
                key={order.order_id}
                data-testid="open-order"
                data-order-id={order.order_id}
                data-price={order.price ?? ""}
                data-size={order.size ?? ""}
                data-status={order.status}
              >
                <OrderCells order={order} showInstrument={showInstrument} />
                <td class="row-actions">
                  <button
                    type="button"
                    data-testid="amend"
                    disabled={busy === order.order_id}
                    aria-label={`Amend order ${order.order_id}`}
                    onClick={() => {
                      setError(undefined);
                      setEditing(order.order_id);
                    }}
                  >
                    Amend
                  </button>
                  <button
                    type="button"
                    class="danger"
                    data-testid="cancel"
                    disabled={busy === order.order_id}
                    aria-label={`Cancel order ${order.order_id}`}
                    onClick={() => void cancel(order)}
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            ),
          )}
          {orders.length === 0 && (
            <tr>
              <td colSpan={showInstrument ? 10 : 9} class="muted">
                No open orders{showInstrument ? "." : " on this instrument."}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {confirming && <CancelAllDialog onClose={() => setConfirming(false)} onProblem={setError} />}
    </div>
  );
}
