/** The panel of the selected tab; only it is mounted, so only its polls run. */
import type { RestClient } from "@platform3/client";
import { AccountsTab } from "./accounts.tsx";
import { ConfigTab } from "./config.tsx";
import { DeadLettersTab } from "./dlq.tsx";
import { FeesTab } from "./fees.tsx";
import { InstrumentsTab } from "./instruments.tsx";
import { KpisTab } from "./kpis.tsx";
import { PipelineTab } from "./pipeline.tsx";
import { TABS, type TabId } from "./tabs.tsx";

export function TabPanel({ tab, rest }: { tab: TabId; rest: RestClient }) {
  const label = TABS.find((t) => t.id === tab)?.label ?? tab;
  return (
    <section role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="tab-panel">
      <h2 class="visually-hidden">{label}</h2>
      {tab === "instruments" && <InstrumentsTab rest={rest} />}
      {tab === "accounts" && <AccountsTab rest={rest} />}
      {tab === "fees" && <FeesTab rest={rest} />}
      {tab === "pipeline" && <PipelineTab rest={rest} />}
      {tab === "dlq" && <DeadLettersTab rest={rest} />}
      {tab === "kpis" && <KpisTab rest={rest} />}
      {tab === "config" && <ConfigTab rest={rest} />}
    </section>
  );
}
