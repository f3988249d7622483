/**
 * "Cancel all" asks first, in a modal <dialog> (Escape or "Keep orders" closes it): the open orders
 * of the selected instrument, or of every instrument. Then `DELETE /v1/orders` with that filter.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { isOpen } from "./account-model.ts";
import { useAccount } from "./account-store.tsx";

export function CancelAllDialog({
  onClose,
  onProblem,
}: {
  onClose: () => void;
  onProblem: (message: string | undefined) => void;
}) {
  const { rest, instrument } = useTerminal();
  const { model, applyOrders } = useAccount();
  const open = [...model.orders.values()].filter(isOpen);
  const here = open.filter((o) => o.instrument === instrument.symbol).length;
  const [scope, setScope] = useState<"instrument" | "all">("instrument");
  const [busy, setBusy] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  const confirm = async () => {
    setBusy(true);
    onProblem(undefined);
    try {
      const result = await rest.cancelAll(scope === "instrument" ? { instrument: instrument.symbol } : undefined);
      applyOrders(result.cancelled);
      onClose();
    } catch (err) {
      onProblem(errorLine(err));
      onClose();
    }
  };

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      data-testid="confirm-dialog"
      aria-labelledby="cancel-all-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="cancel-all-title">Cancel all open orders?</h2>
      <fieldset class="confirm-scope">
        <legend class="visually-hidden">Which orders</legend>
        <label class="order-check">
          <input
            type="radio"
            name="cancel-all-scope"
            data-testid="cancel-all-instrument"
            checked={scope === "instrument"}
            onChange={() => setScope("instrument")}
          />
          Only {instrument.symbol} ({here} open)
        </label>
        <label class="order-check">
          <input
            type="radio"
            name="cancel-all-scope"
            data-testid="cancel-all-everything"
            checked={scope === "all"}
            onChange={() => setScope("all")}
          />
          Every instrument ({open.length} open)
        </label>
      </fieldset>
      <div class="confirm-buttons">
        <button type="button" data-testid="confirm-cancel" onClick={onClose}>
          Keep orders
        </button>
        <button type="button" class="danger" data-testid="confirm-ok" disabled={busy} onClick={() => void confirm()}>
          {busy ? "Cancelling…" : "Cancel orders"}
        </button>
      </div>
    </dialog>
  );
}
