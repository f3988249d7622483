/**
 * A labelled decimal input of the order form: its grid step beside the label, its problem under
 * it (once the field was left or the form sent), and a button offering the nearest grid value
 * instead of changing what was typed.
 */
import { useState } from "preact/hooks";

export interface DecimalFieldProps {
  id: string;
  label: string;
  /** e.g. "tick 0.01" or "USD". */
  hint?: string;
  value: string;
  onValue: (value: string) => void;
  error: string | undefined;
  /** Show the error even if the field was not left yet (after a submit attempt). */
  reveal: boolean;
  /** The grid value to offer when the typed one is off the grid. */
  offer?: string | undefined;
}

export function DecimalField({ id, label, hint, value, onValue, error, reveal, offer }: DecimalFieldProps) {
  const [left, setLeft] = useState(false);
  const shown = (left || reveal) && error !== undefined;
  const problemId = `${id}-problem`;
  return (
    <div class="order-field">
      <label for={id}>
        <span class="order-field-label">
          {label}
          {hint && <span class="order-field-hint">{hint}</span>}
        </span>
        <input
          id={id}
          class="num"
          inputMode="decimal"
          autocomplete="off"
          spellcheck={false}
          value={value}
          aria-invalid={shown}
          aria-describedby={shown ? problemId : undefined}
          onInput={(e) => onValue(e.currentTarget.value)}
          onBlur={() => setLeft(value.trim() !== "")}
        />
      </label>
      {shown && (
        <p id={problemId} class="order-field-problem">
          {error}
          {offer && (
            <button type="button" class="linkish" data-testid={`${id}-snap`} onClick={() => onValue(offer)}>
              Use {offer}
            </button>
          )}
        </p>
      )}
    </div>
  );
}
