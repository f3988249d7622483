/**
 * The account's orders and fills under tabs (a WAI-ARIA tablist: arrow keys, Home and End move
 * between tabs): open orders, order history, fills. Each shows the selected instrument only by
 * default; "All instruments" shows the whole account.
 */
import { useRef, useState } from "preact/hooks";
import { useTerminal } from "../context.ts";
import { fillsNewestFirst, isOpen, ordersNewestFirst } from "./account-model.ts";
import { useAccount } from "./account-store.tsx";
import { FillsTable } from "./fills-table.tsx";
import { OpenOrders } from "./open-orders.tsx";
import { OrderHistory } from "./order-history.tsx";
import "./trading.css";

const TABS = [
  { id: "open", label: "Open orders" },
  { id: "history", label: "Order history" },
  { id: "fills", label: "Fills" },
] as const;
type TabId = (typeof TABS)[number]["id"];

export function AccountPanels() {
  const { instrument } = useTerminal();
  const { model } = useAccount();
  const [tab, setTab] = useState<TabId>("open");
  const [allInstruments, setAllInstruments] = useState(false);
  const tabRefs = useRef<Partial<Record<TabId, HTMLButtonElement | null>>>({});

  const mine = <T extends { instrument: string }>(rows: T[]) =>
    allInstruments ? rows : rows.filter((r) => r.instrument === instrument.symbol);
  const orders = mine(ordersNewestFirst(model));
  const open = orders.filter(isOpen);
  const fills = mine(fillsNewestFirst(model));
  const counts: Record<TabId, number> = { open: open.length, history: orders.length, fills: fills.length };

  const move = (e: KeyboardEvent, index: number) => {
    const last = TABS.length - 1;
    const next =
      e.key === "ArrowRight"
        ? (index + 1) % TABS.length
        : e.key === "ArrowLeft"
          ? (index + last) % TABS.length
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? last
              : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const id = TABS[next]?.id ?? "open";
    setTab(id);
    tabRefs.current[id]?.focus();
  };

  return (
    <div class="account-panels">
      <div class="account-bar">
        <div role="tablist" aria-label="Orders and fills" class="account-tabs">
          {TABS.map((t, index) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`account-tab-${t.id}`}
              data-testid={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls={`account-panel-${t.id}`}
              tabIndex={tab === t.id ? 0 : -1}
              ref={(el) => {
                tabRefs.current[t.id] = el;
              }}
              onClick={() => setTab(t.id)}
              onKeyDown={(e) => move(e, index)}
            >
              {t.label} <span class="tab-count">{counts[t.id]}</span>
            </button>
          ))}
        </div>
        <label class="account-filter" for="account-all-instruments">
          <input
            id="account-all-instruments"
            data-testid="filter-all"
            type="checkbox"
            checked={allInstruments}
            onChange={(e) => setAllInstruments(e.currentTarget.checked)}
          />
          All instruments
        </label>
      </div>
      {TABS.map((t) => (
        <div
          key={t.id}
          role="tabpanel"
          id={`account-panel-${t.id}`}
          aria-labelledby={`account-tab-${t.id}`}
          hidden={tab !== t.id}
          class="account-tabpanel"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a tabpanel is focusable per the APG tabs pattern
          tabIndex={0}
        >
          {t.id === "open" && <OpenOrders orders={open} showInstrument={allInstruments} />}
          {t.id === "history" && <OrderHistory orders={orders} showInstrument={allInstruments} />}
          {t.id === "fills" && <FillsTable fills={fills} showInstrument={allInstruments} />}
        </div>
      ))}
    </div>
  );
}
