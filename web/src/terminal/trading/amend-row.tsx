/**
 * An open order being amended: its price and total size (filled included, as the API takes it)
 * become inputs. Save (or Enter) sends only the fields that changed, after the grid checks;
 * Escape drops the edit.
 */
import type { AmendOrder, Order } from "@platform3/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { compare, onGrid, parse } from "../../common/decimal.ts";
import { useTerminal } from "../context.ts";
import { OrderCells } from "./order-cells.tsx";

export type AmendValues = Pick<AmendOrder, "price" | "size">;

interface Props {
  order: Order;
  showInstrument: boolean;
  busy: boolean;
  onSave: (changes: AmendValues) => void;
  onClose: () => void;
  onProblem: (message: string | undefined) => void;
}

export function AmendRow({ order, showInstrument, busy, onSave, onClose, onProblem }: Props) {
  const { instruments } = useTerminal();
  const instrument = instruments.find((i) => i.symbol === order.instrument);
  const [price, setPrice] = useState(order.price ?? "");
  const [size, setSize] = useState(order.size ?? "");
  const first = useRef<HTMLInputElement>(null);

  useEffect(() => first.current?.focus(), []);

  const changed = (typed: string, was: string | null) =>
    was !== null && typed.trim() !== "" && !(parse(typed) && compare(typed, was) === 0);

  const save = () => {
    const changes: AmendValues = {};
    if (changed(price, order.price)) changes.price = price.trim();
    if (changed(size, order.size)) changes.size = size.trim();
    const problem = check(changes);
    if (problem) return onProblem(problem);
    if (!changes.price && !changes.size) return onClose();
    onProblem(undefined);
    onSave(changes);
  };

  const check = (changes: AmendValues): string | undefined => {
    for (const [name, value] of Object.entries(changes) as [keyof AmendValues, string][]) {
      const v = parse(value);
      if (!v || v.units <= 0n) return `${name}: not a positive decimal number`;
      const step = name === "price" ? instrument?.tick_size : instrument?.lot_size;
      if (step && !onGrid(value, step))
        return `${name}: ${value} is not on the ${step} ${name === "price" ? "tick" : "lot"}`;
    }
    return undefined;
  };

  const keys = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      onProblem(undefined);
      onClose();
    } else if (e.key === "Enter") {
      e.preventDefault();
      save();
    }
  };

  const input = (id: "price" | "size", value: string, set: (v: string) => void, label: string) => (
    <input
      ref={id === "price" || order.price === null ? first : undefined}
      class="num amend-input"
      data-testid={`amend-${id}`}
      aria-label={label}
      inputMode="decimal"
      autocomplete="off"
      value={value}
      onInput={(e) => set(e.currentTarget.value)}
      onKeyDown={keys}
    />
  );

  return (
    <tr
      data-testid="open-order"
      data-order-id={order.order_id}
      data-price={order.price ?? ""}
      data-size={order.size ?? ""}
      data-status={order.status}
      class="amending"
    >
      <OrderCells
        order={order}
        showInstrument={showInstrument}
        price={
          order.price !== null ? input("price", price, setPrice, `New price of order ${order.order_id}`) : undefined
        }
        size={
          order.size !== null ? input("size", size, setSize, `New total size of order ${order.order_id}`) : undefined
        }
      />
      <td class="row-actions">
        <button type="button" class="primary" data-testid="amend-save" disabled={busy} onClick={save}>
          Save
        </button>
        <button
          type="button"
          data-testid="amend-close"
          onClick={() => {
            onProblem(undefined);
            onClose();
          }}
        >
          Discard
        </button>
      </td>
    </tr>
  );
}
