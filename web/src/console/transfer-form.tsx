/**
 * A deposit or a withdrawal (POST /v1/admin/accounts/{account}/deposits | withdrawals). The
 * reference is the idempotency key: the same reference again answers the first outcome and moves
 * nothing, so it is required and never generated behind the operator's back.
 */
import type { RestClient } from "@platform3/client";
import { useState } from "preact/hooks";
import { parse } from "../common/decimal.ts";
import { usePerform } from "./actions.tsx";
import { Field } from "./field.tsx";

const ASSET = /^[A-Z0-9]{1,12}$/;

export function TransferForm({
  rest,
  account,
  kind,
  assets,
  onDone,
}: {
  rest: RestClient;
  account: string;
  kind: "deposit" | "withdrawal";
  assets: string[];
  onDone: () => Promise<void>;
}) {
  const perform = usePerform();
  const [asset, setAsset] = useState("");
  const [amount, setAmount] = useState("");
  const [reference, setReference] = useState("");
  const [errors, setErrors] = useState<{ asset?: string; amount?: string; reference?: string }>({});
  const id = (f: string) => `${kind}-${f}`;
  const title = kind === "deposit" ? "Deposit" : "Withdrawal";

  const submit = async (e: Event) => {
    e.preventDefault();
    const a = asset.trim().toUpperCase();
    const value = parse(amount);
    const ref = reference.trim();
    const found: typeof errors = {};
    if (!ASSET.test(a)) found.asset = "an asset code, e.g. USD";
    if (!value || value.units <= 0n) found.amount = "a positive decimal, e.g. 100.50";
    if (!ref) found.reference = "required: the transfer's own reference (wire id, ticket)";
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body = { asset: a, amount: amount.trim(), reference: ref };
    const path = kind === "deposit" ? "deposits" : "withdrawals";
    const done = await perform(
      {
        title: `${title} of ${body.amount} ${a} ${kind === "deposit" ? "to" : "from"} ${account}`,
        lines:
          kind === "deposit"
            ? [`${account} is credited ${body.amount} ${a}.`, `Reference ${ref}: sent again, it credits nothing.`]
            : [
                `${body.amount} ${a} is debited from ${account}'s available balance (refused if more than available).`,
                `Reference ${ref}: sent again, it debits nothing.`,
              ],
        request: `POST /v1/admin/accounts/${account}/${path}\n${JSON.stringify(body)}`,
        confirmLabel: kind === "deposit" ? "Deposit" : "Withdraw",
        danger: kind === "withdrawal",
      },
      () =>
        kind === "deposit"
          ? rest.api.POST("/v1/admin/accounts/{account}/deposits", { params: { path: { account } }, body })
          : rest.api.POST("/v1/admin/accounts/{account}/withdrawals", { params: { path: { account } }, body }),
    );
    if (done) {
      setAmount("");
      setReference("");
      await onDone();
    }
  };

  return (
    <section class="panel" aria-labelledby={id("title")}>
      <h2 id={id("title")}>
        {title} {kind === "deposit" ? "to" : "from"} {account}
      </h2>
      <form class="form-grid compact" onSubmit={submit} noValidate data-testid={`${kind}-form`}>
        <Field
          id={id("asset")}
          label="Asset"
          value={asset}
          onValue={setAsset}
          error={errors.asset}
          list={id("assets")}
          autoComplete="off"
          required
        />
        <datalist id={id("assets")}>
          {assets.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field
          id={id("amount")}
          label="Amount"
          value={amount}
          onValue={setAmount}
          error={errors.amount}
          inputMode="decimal"
          autoComplete="off"
          required
        />
        <Field
          id={id("reference")}
          label="Reference"
          value={reference}
          onValue={setReference}
          error={errors.reference}
          autoComplete="off"
          placeholder="wire-2026-03-11-0001"
          required
        />
        <div class="form-actions">
          <button type="submit" class={kind === "deposit" ? "primary" : "danger"}>
            {kind === "deposit" ? "Deposit…" : "Withdraw…"}
          </button>
        </div>
      </form>
    </section>
  );
}
