/** The form that lists a new instrument (POST /v1/admin/instruments), checked before it is sent. */
import type { RestClient } from "@platform3/client";
import { useState } from "preact/hooks";
import { usePerform } from "./actions.tsx";
import { Field } from "./field.tsx";
import { CALENDAR_TEMPLATES, checkDraft, type Draft, EMPTY_DRAFT, HOME_REGIONS } from "./instrument-draft.ts";
import { STATUSES } from "./instrument-status.ts";

const DECIMAL_FIELDS: readonly { key: keyof Draft; label: string }[] = [
  { key: "tick_size", label: "Tick size" },
  { key: "lot_size", label: "Lot size" },
  { key: "min_qty", label: "Min qty" },
  { key: "max_qty", label: "Max qty" },
  { key: "min_notional", label: "Min notional" },
  { key: "price_band_pct", label: "Price band %" },
];

export function InstrumentForm({ rest, onCreated }: { rest: RestClient; onCreated: () => Promise<void> }) {
  const perform = usePerform();
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  const set = (key: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const setKind = (kind: string) =>
    setDraft((d) => ({ ...d, calendar_kind: kind, calendar_json: CALENDAR_TEMPLATES[kind] ?? "" }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const checked = checkDraft({
      ...draft,
      base: draft.base.trim().toUpperCase(),
      quote: draft.quote.trim().toUpperCase(),
    });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    const body = checked.body;
    const created = await perform(
      {
        title: `List ${body.symbol}`,
        lines: [
          `A new instrument ${body.symbol} (${body.base} priced in ${body.quote}) is listed with status ${body.status}, tick ${body.tick_size}, lot ${body.lot_size}.`,
          "Its order book is configured before the reply; there is no delete, only a status change.",
        ],
        request: `POST /v1/admin/instruments\n${JSON.stringify(body, null, 2)}`,
        confirmLabel: `List ${body.symbol}`,
      },
      () => rest.api.POST("/v1/admin/instruments", { body }),
    );
    if (created) {
      setDraft(EMPTY_DRAFT);
      await onCreated();
    }
  };

  return (
    <section class="panel" aria-labelledby="new-instrument-title">
      <h2 id="new-instrument-title">List a new instrument</h2>
      <form class="form-grid" onSubmit={submit} noValidate data-testid="instrument-form">
        <Field id="ni-base" label="Base asset" value={draft.base} onValue={set("base")} error={errors.base} required />
        <Field
          id="ni-quote"
          label="Quote asset"
          value={draft.quote}
          onValue={set("quote")}
          error={errors.quote}
          required
        />
        <p class="field symbol-preview" aria-live="polite">
          <span class="muted">Symbol</span>
          <strong>
            {draft.base && draft.quote ? `${draft.base.toUpperCase()}-${draft.quote.toUpperCase()}` : "—"}
          </strong>
        </p>
        {DECIMAL_FIELDS.map((f) => (
          <Field
            key={f.key}
            id={`ni-${f.key}`}
            label={f.label}
            value={draft[f.key]}
            onValue={set(f.key)}
            error={errors[f.key]}
            inputMode="decimal"
            required
          />
        ))}
        <Field
          id="ni-maker"
          label="Maker fee bps"
          value={draft.maker_fee_bps}
          onValue={set("maker_fee_bps")}
          error={errors.maker_fee_bps}
          inputMode="numeric"
        />
        <Field
          id="ni-taker"
          label="Taker fee bps"
          value={draft.taker_fee_bps}
          onValue={set("taker_fee_bps")}
          error={errors.taker_fee_bps}
          inputMode="numeric"
        />
        <label for="ni-region" class="field">
          Home region
          <select id="ni-region" value={draft.home_region} onChange={(e) => set("home_region")(e.currentTarget.value)}>
            {HOME_REGIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label for="ni-status" class="field">
          Initial status
          <select id="ni-status" value={draft.status} onChange={(e) => set("status")(e.currentTarget.value)}>
            {STATUSES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </label>
        <label for="ni-calendar" class="field">
          Calendar
          <select id="ni-calendar" value={draft.calendar_kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="24x7">24x7</option>
            <option value="24x5">24x5</option>
            <option value="exchange">exchange</option>
          </select>
        </label>
        {draft.calendar_kind !== "24x7" && (
          <label for="ni-calendar-json" class="field wide">
            Calendar details (JSON, without kind)
            <textarea
              id="ni-calendar-json"
              rows={5}
              value={draft.calendar_json}
              onInput={(e) => set("calendar_json")(e.currentTarget.value)}
              aria-invalid={errors.calendar_json ? true : undefined}
              aria-describedby={errors.calendar_json ? "ni-calendar-json-error" : undefined}
            />
            {errors.calendar_json && (
              <span id="ni-calendar-json-error" class="field-error">
                {errors.calendar_json}
              </span>
            )}
          </label>
        )}
        <div class="form-actions wide">
          <button type="submit" class="primary">
            List instrument…
          </button>
        </div>
      </form>
    </section>
  );
}
