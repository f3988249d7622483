/**
 * The order form of the selected instrument: side, type, prices, size or funds, time in force,
 * post-only; checked on the instrument's grids before it is sent (order-draft.ts), with the
 * balance it spends and an exact cost and fee estimate. A ladder click (`prefill`) sets the price
 * and side. The API's answer, order or refusal, is shown as it came.
 */
import type { OrderReply } from "@platform3/client";
import { useEffect, useMemo, useState } from "preact/hooks";
import { errorLine } from "../../common/problem.ts";
import { useTerminal } from "../context.ts";
import { useAccount } from "./account-store.tsx";
import { DecimalField } from "./decimal-field.tsx";
import {
  byFunds,
  checkDraft,
  hasPrice,
  hasStop,
  type OrderDraft,
  type OrderType,
  snapOffer,
  type TimeInForce,
  toNewOrder,
} from "./order-draft.ts";
import { OrderSummary } from "./order-summary.tsx";
import "./trading.css";

const TYPES: [OrderType, string][] = [
  ["limit", "Limit"],
  ["market", "Market"],
  ["stop", "Stop (market)"],
  ["stop_limit", "Stop limit"],
];
const TIFS: [TimeInForce, string][] = [
  ["gtc", "GTC · good till cancelled"],
  ["ioc", "IOC · immediate or cancel"],
  ["fok", "FOK · fill or kill"],
  ["gtd", "GTD · good till date"],
];

const BLANK: OrderDraft = {
  side: "buy",
  type: "limit",
  price: "",
  stopPrice: "",
  size: "",
  marketBy: "size",
  funds: "",
  tif: "gtc",
  expire: "",
  postOnly: false,
};

type Outcome = { reply: OrderReply } | { error: string } | undefined;

export function OrderEntry() {
  const { rest, instrument, prefill } = useTerminal();
  const { applyReply } = useAccount();
  const [draft, setDraft] = useState<OrderDraft>(BLANK);
  const [tried, setTried] = useState(false);
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const set = (patch: Partial<OrderDraft>) => setDraft((d) => ({ ...d, ...patch }));

  // Another instrument: its grids differ, so the typed values go.
  useEffect(() => {
    setDraft((d) => ({ ...BLANK, side: d.side, type: d.type, tif: d.tif }));
    setTried(false);
    setOutcome(undefined);
  }, [instrument.symbol]);

  // A ladder click: its price (the limit price, or the trigger of a stop) and side.
  useEffect(() => {
    if (!prefill) return;
    setDraft((d) => {
      const side = prefill.side ?? d.side;
      const type = d.type === "market" ? "limit" : d.type;
      return d.type === "stop" ? { ...d, side, stopPrice: prefill.price } : { ...d, side, type, price: prefill.price };
    });
  }, [prefill?.nonce]);

  const errors = useMemo(() => checkDraft(draft, instrument), [draft, instrument]);
  const { base, tick_size: tick, lot_size: lot } = instrument;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(errors).length > 0 || sending) return;
    setSending(true);
    setOutcome(undefined);
    try {
      const reply = await rest.placeOrder(toNewOrder(draft, instrument));
      applyReply(reply);
      setOutcome({ reply });
    } catch (err) {
      setOutcome({ error: errorLine(err) });
    } finally {
      setSending(false);
    }
  };

  const field = (name: "price" | "stopPrice" | "size") => ({
    value: draft[name],
    onValue: (value: string) => set({ [name]: value }),
    error: errors[name],
    reveal: tried,
    offer: snapOffer(name, draft[name], draft.side, instrument),
  });

  return (
    <form class="order-form" data-testid="order-form" onSubmit={submit} noValidate aria-label="New order">
      <h2 class="visually-hidden">Order entry</h2>
      <fieldset class="order-sides">
        <legend class="visually-hidden">Side</legend>
        {(["buy", "sell"] as const).map((side) => (
          <button
            key={side}
            type="button"
            data-testid={`side-${side}`}
            class={`order-side ${side}`}
            aria-pressed={draft.side === side}
            onClick={() => set({ side })}
          >
            {side === "buy" ? "Buy" : "Sell"}
          </button>
        ))}
      </fieldset>
      {instrument.status !== "open" && (
        <p class="order-status-hint" data-testid="order-status-hint">
          {instrument.symbol} is <strong>{instrument.status.replace("_", " ")}</strong>: the API may refuse new orders.
        </p>
      )}
      <div class="order-row">
        <label for="order-type">
          Type
          <select
            id="order-type"
            value={draft.type}
            onChange={(e) => set({ type: e.currentTarget.value as OrderType })}
          >
            {TYPES.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <label for="order-tif">
          Time in force
          <select id="order-tif" value={draft.tif} onChange={(e) => set({ tif: e.currentTarget.value as TimeInForce })}>
            {TIFS.map(([value, text]) => (
              <option key={value} value={value} title={text}>
                {value.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
      </div>
      {draft.type === "market" && (
        <label for="market-by">
          Size by
          <select
            id="market-by"
            value={draft.marketBy}
            onChange={(e) => set({ marketBy: e.currentTarget.value as OrderDraft["marketBy"] })}
          >
            <option value="size">Size ({base})</option>
            <option value="funds">Funds ({instrument.quote})</option>
          </select>
        </label>
      )}
      {hasStop(draft.type) && (
        <DecimalField id="order-stop-price" label="Stop price" hint={`tick ${tick}`} {...field("stopPrice")} />
      )}
      {hasPrice(draft.type) && (
        <DecimalField id="order-price" label="Limit price" hint={`tick ${tick}`} {...field("price")} />
      )}
      {byFunds(draft) ? (
        <DecimalField
          id="order-funds"
          label={`Funds (${instrument.quote})`}
          value={draft.funds}
          onValue={(funds) => set({ funds })}
          error={errors.funds}
          reveal={tried}
        />
      ) : (
        <DecimalField
          id="order-size"
          label={`Size (${base})`}
          hint={`lot ${lot} · ${instrument.min_qty}–${instrument.max_qty}`}
          {...field("size")}
        />
      )}
      {draft.tif === "gtd" && (
        <div class="order-field">
          <label for="order-expire">
            Expires (local time)
            <input
              id="order-expire"
              type="datetime-local"
              value={draft.expire}
              aria-invalid={tried && errors.expire !== undefined}
              onInput={(e) => set({ expire: e.currentTarget.value })}
            />
          </label>
          {tried && errors.expire && <p class="order-field-problem">{errors.expire}</p>}
        </div>
      )}
      {draft.type === "limit" && (
        <label for="order-post-only" class="order-check">
          <input
            id="order-post-only"
            type="checkbox"
            checked={draft.postOnly}
            onChange={(e) => set({ postOnly: e.currentTarget.checked })}
          />
          Post only (maker, never takes)
        </label>
      )}
      <OrderSummary draft={draft} />
      <button
        type="submit"
        data-testid="order-submit"
        class={draft.side === "buy" ? "buy-button order-submit" : "sell-button order-submit"}
        aria-busy={sending}
      >
        {sending ? "Sending…" : `${draft.side === "buy" ? "Buy" : "Sell"} ${base}`}
      </button>
      <OrderOutcome outcome={outcome} />
    </form>
  );
}

/** The answer, scrolled into the (scrolling) panel's view. */
const shown = (el: HTMLElement | null) => el?.scrollIntoView({ block: "nearest" });

function OrderOutcome({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  if ("error" in outcome) {
    return (
      <p ref={shown} role="alert" class="order-error" data-testid="order-error">
        {outcome.error}
      </p>
    );
  }
  const { order, fills } = outcome.reply;
  return (
    <p ref={shown} class="order-result" data-testid="order-result" role="status" data-order-id={order.order_id}>
      <span class={`badge ${order.status === "rejected" ? "bad" : "good"}`}>{order.status}</span>{" "}
      <span class="num order-id">{order.order_id}</span>
      {fills.length > 0 && (
        <span class="muted">
          {" "}
          · filled {order.filled_size} in {fills.length} fill{fills.length === 1 ? "" : "s"}
        </span>
      )}
    </p>
  );
}
