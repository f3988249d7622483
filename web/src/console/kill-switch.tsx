/** An account's trading kill switch (PATCH /v1/admin/accounts/{account} {trading_enabled}). */
import type { RestClient } from "@platform3/client";
import { usePerform } from "./actions.tsx";

export function KillSwitch({
  rest,
  account,
  enabled,
  onChanged,
}: {
  rest: RestClient;
  account: string;
  enabled: boolean;
  onChanged: () => Promise<void>;
}) {
  const perform = usePerform();
  const toggle = async () => {
    const next = !enabled;
    const done = await perform(
      {
        title: next ? `Enable trading for ${account}` : `Kill trading for ${account}`,
        lines: next
          ? [`${account} may place orders again.`]
          : [
              `Order entry refuses every new order of ${account} from now on.`,
              "Open orders are not cancelled by this switch; balances, deposits and withdrawals are unaffected.",
            ],
        request: `PATCH /v1/admin/accounts/${account}\n${JSON.stringify({ trading_enabled: next })}`,
        confirmLabel: next ? "Enable trading" : "Kill trading",
        danger: !next,
      },
      () =>
        rest.api.PATCH("/v1/admin/accounts/{account}", {
          params: { path: { account } },
          body: { trading_enabled: next },
        }),
    );
    if (done) await onChanged();
  };
  return (
    <section class="panel" aria-labelledby="kill-title">
      <h2 id="kill-title">Trading switch</h2>
      <p>
        Trading of {account}:{" "}
        <span data-testid="trading-state" data-enabled={String(enabled)} class={`badge ${enabled ? "good" : "bad"}`}>
          {enabled ? "enabled" : "disabled (killed)"}
        </span>
      </p>
      <button type="button" data-testid="kill-switch" class={enabled ? "danger" : "primary"} onClick={toggle}>
        {enabled ? "Kill trading…" : "Enable trading…"}
      </button>
    </section>
  );
}
