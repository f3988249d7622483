/**
 * The console's sections as an ARIA tablist; the URL hash (#instruments, #accounts …) picks the
 * tab, so a section can be linked and the back button moves between them. Arrow keys, Home and
 * End move between tabs (roving tabindex).
 */
import { useEffect, useRef, useState } from "preact/hooks";

export const TABS = [
  { id: "instruments", label: "Instruments" },
  { id: "accounts", label: "Accounts" },
  { id: "fees", label: "Fees" },
  { id: "pipeline", label: "Pipeline" },
  { id: "dlq", label: "Dead letters" },
  { id: "kpis", label: "KPIs" },
  { id: "config", label: "Config" },
] as const;

export type TabId = (typeof TABS)[number]["id"];

function tabOfHash(): TabId {
  const id = location.hash.replace(/^#/, "");
  return TABS.find((t) => t.id === id)?.id ?? "instruments";
}

export function useHashTab(): TabId {
  const [tab, setTab] = useState<TabId>(tabOfHash);
  useEffect(() => {
    const onHash = () => setTab(tabOfHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return tab;
}

export function TabList({ current }: { current: TabId }) {
  const list = useRef<HTMLDivElement>(null);
  const select = (id: TabId, focus: boolean) => {
    if (location.hash !== `#${id}`) location.hash = id;
    if (focus) list.current?.querySelector<HTMLButtonElement>(`#tab-${id}`)?.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === current);
    const next =
      e.key === "ArrowRight"
        ? (i + 1) % TABS.length
        : e.key === "ArrowLeft"
          ? (i - 1 + TABS.length) % TABS.length
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? TABS.length - 1
              : -1;
    if (next < 0) return;
    e.preventDefault();
    select((TABS[next] as (typeof TABS)[number]).id, true);
  };
  return (
    <div class="tabs" role="tablist" aria-label="Console sections" ref={list} onKeyDown={onKey}>
      {TABS.map((t) => (
        <button
          type="button"
          role="tab"
          key={t.id}
          id={`tab-${t.id}`}
          data-testid={`tab-${t.id}`}
          aria-controls={`panel-${t.id}`}
          aria-selected={t.id === current}
          tabIndex={t.id === current ? 0 : -1}
          onClick={() => select(t.id, false)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
